"""A plan edited in a form (Slack's plan editor), as plain data: the new content from the latest version and
the edits, with the problems found, by the form's field. No platform and no words here: problems are codes
(`need_text`, `need_member`, `need_time`, `need_reason`, `bad_guards`) or a validation message."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bot.planfile import PlanSpec

NO_GUARD = "-"


@dataclass(frozen=True)
class EditedLine:
    ref: str  # the form's field for this bottom line (problems come back under it)
    key: str | None  # None: a new bottom line
    text: str


@dataclass(frozen=True)
class EditedCommitment:
    ref: str  # the form's prefix for this commitment's fields: problems come back as f"{ref}_{field}"
    key: str | None  # None: a new commitment (left out when its text is empty)
    member: str = ""
    text: str = ""
    schedule: str = ""  # an RRULE ("" when no time was chosen)
    grace: str | None = None
    guards: str = NO_GUARD  # a bottom line's key, or NO_GUARD
    remove: bool = False


@dataclass(frozen=True)
class PlanEdit:
    contingency: str
    avoid: list[str]
    bottom_lines: list[EditedLine]
    commitments: list[EditedCommitment]
    reason: str
    contingency_limit: int | None = None  # a form field's limit: a longer one left untouched is kept whole


@dataclass
class Edited:
    spec: PlanSpec | None
    problems: dict[str, str] = field(default_factory=dict)  # form field -> code or message


def slug(text: str, taken: set[str], prefix: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:40].strip("-") or prefix
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    taken.add(key)
    return key


def edited_content(latest: dict[str, Any], edit: PlanEdit) -> Edited:
    """The plan content after `edit`, starting from the latest version's (goals, review_by, meetings carry
    over), validated as a plan file would be."""
    content = copy.deepcopy(latest)
    problems: dict[str, str] = {}
    old = latest.get("contingency") or ""
    limit = edit.contingency_limit
    if limit is None or edit.contingency != old[:limit] or len(old) <= limit:
        content["contingency"] = edit.contingency
    content["people_to_avoid"] = [n.strip() for n in edit.avoid if n.strip()]
    bottom, line_refs = _bottom_lines(edit.bottom_lines, latest)
    content["bottom_line"] = bottom
    commitments, refs = _commitments(edit.commitments, latest, {b["key"] for b in bottom}, problems)
    content["commitment"] = commitments
    if not edit.reason.strip():
        problems["reason"] = "need_reason"
    if problems:
        return Edited(None, problems)
    try:
        return Edited(PlanSpec.model_validate(content))
    except ValidationError as exc:
        err = exc.errors()[0]
        inner = err.get("ctx", {}).get("error")
        loc = tuple(getattr(inner, "loc", None) or err["loc"])
        message = str(getattr(inner, "message", None) or err["msg"]).removeprefix("Value error, ")
        return Edited(None, {_field_for(loc, line_refs, refs): message[:150]})


def _bottom_lines(lines: list[EditedLine], latest: dict[str, Any]) -> tuple[list[dict[str, str]], list[str]]:
    taken = {b["key"] for b in latest.get("bottom_line", [])} | {ln.key for ln in lines if ln.key}
    bottom, refs = [], []
    for line in lines:
        text = line.text.strip()
        if text:
            bottom.append({"key": line.key or slug(text, taken, "bottom-line"), "text": text})
            refs.append(line.ref)
    return bottom, refs


def _commitments(edits: list[EditedCommitment], latest: dict[str, Any], bottom_keys: set[str],
                 problems: dict[str, str]) -> tuple[list[dict[str, Any]], list[str]]:
    previous = {c["key"]: c for c in latest.get("commitment", [])}
    taken = set(previous) | {c.key for c in edits if c.key}
    out, refs = [], []
    for c in edits:
        text = c.text.strip()
        if (c.remove and c.key) or (c.key is None and not text):
            continue  # removed, or the blank "add a commitment" group
        for wanted, code in ((text, "need_text"), (c.member, "need_member"), (c.schedule, "need_time")):
            if not wanted:
                problems[f"{c.ref}_{code.removeprefix('need_')}"] = code
        if c.guards != NO_GUARD and c.guards not in bottom_keys:
            problems[f"{c.ref}_guards"] = "bad_guards"
        row: dict[str, Any] = dict(previous.get(c.key, {})) if c.key else {}
        row.update({"key": c.key or slug(text, taken, "commitment"), "member": c.member, "text": text,
                    "schedule": c.schedule, "grace": c.grace or row.get("grace", "1h"),
                    "guards": c.guards if c.guards in bottom_keys else None})
        out.append(row)
        refs.append(c.ref)
    return out, refs


FIELDS = {"member": "member", "text": "text", "schedule": "time", "grace": "grace", "guards": "guards",
          "key": "text"}


def _field_for(loc: tuple[Any, ...], line_refs: list[str], refs: list[str]) -> str:
    head = loc[0] if loc else None
    index = loc[1] if len(loc) >= 2 and isinstance(loc[1], int) else None
    if head == "commitment" and index is not None and index < len(refs):
        return f"{refs[index]}_{FIELDS.get(str(loc[2]) if len(loc) > 2 else 'text', 'text')}"
    if head == "bottom_line" and index is not None and index < len(line_refs):
        return line_refs[index]
    return {"people_to_avoid": "avoid", "contingency": "contingency"}.get(str(head), "reason")
