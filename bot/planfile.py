"""The TOML plan file (docs/plan-file.md): parsed, checked, and every error tied to a line and field."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from bot.domain.durations import parse_duration_minutes
from bot.domain.schedule import parse_rule
from bot.domain.vocabulary import MeetingKind

Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Text = Annotated[str, Field(min_length=1, max_length=500)]
Name = Annotated[str, Field(min_length=1, max_length=60)]


class PlanFileError(ValueError):
    def __init__(self, line: int | None, field: str, message: str) -> None:
        where = f"line {line}, " if line else ""
        super().__init__(f"{where}{field}: {message}")
        self.line, self.field, self.message = line, field, message


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BottomLineSpec(_Strict):
    key: Key
    text: Text


class CommitmentSpec(_Strict):
    key: Key
    member: Name
    text: Text
    schedule: str
    grace: str = "1h"
    guards: Key | None = None
    question: Text | None = None

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v: str, info: ValidationInfo) -> str:
        # key and text are declared above, so they are checked already and the refusal can name them.
        who = info.data.get("key") or info.data.get("text") or ""
        parse_rule(v, who=f"commitment {who!r}" if who else "")
        return v.strip().upper()

    @field_validator("grace")
    @classmethod
    def _grace(cls, v: str) -> str:
        minutes = parse_duration_minutes(v)
        if minutes > 7 * 24 * 60:
            raise ValueError("grace must be at most 7 days")
        return v.strip()

    @property
    def grace_minutes(self) -> int:
        return parse_duration_minutes(self.grace)


class MeetingSpec(_Strict):
    key: Key | None = None
    kind: MeetingKind
    starts: datetime
    place: str = Field("", max_length=200)
    invite: list[Name] = []

    @field_validator("starts")
    @classmethod
    def _local(cls, v: datetime) -> datetime:
        if v.tzinfo is not None:
            raise ValueError("give the local date-time without an offset, e.g. 2026-12-04T10:00")
        return v

    @property
    def stable_key(self) -> str:
        return self.key or f"{self.kind.value}-{self.starts:%Y%m%dT%H%M}"


MAX_COMMITMENTS, MAX_BOTTOM_LINES = 40, 10


class PlanSpec(_Strict):
    contingency: str = Field("", max_length=4000)
    review_by: date | None = None
    people_to_avoid: list[Name] = []
    goals: list[Text] = []
    # The product's limits (the Slack editor shows every item of a plan this size within Slack's limits).
    bottom_line: list[BottomLineSpec] = Field(default_factory=list, max_length=MAX_BOTTOM_LINES)
    commitment: list[CommitmentSpec] = Field(default_factory=list, max_length=MAX_COMMITMENTS)
    meeting: list[MeetingSpec] = []

    @model_validator(mode="after")
    def _references(self) -> PlanSpec:
        keys = [b.key for b in self.bottom_line]
        for i, key in enumerate(keys):
            if key in keys[:i]:
                raise _Located(("bottom_line", i, "key"), f"duplicate key {key!r}")
        ckeys = [c.key for c in self.commitment]
        for i, c in enumerate(self.commitment):
            if c.key in ckeys[:i]:
                raise _Located(("commitment", i, "key"), f"duplicate key {c.key!r}")
            if c.guards and c.guards not in keys:
                raise _Located(("commitment", i, "guards"), f"no bottom line with key {c.guards!r}")
        mkeys = [m.stable_key for m in self.meeting]
        for i, k in enumerate(mkeys):
            if k in mkeys[:i]:
                raise _Located(("meeting", i, "key"), f"duplicate meeting {k!r}")
        return self

    def canonical(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class _Located(ValueError):
    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc, self.message = loc, message


_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?")


def locate(text: str, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of a field given as ("commitment", 2, "schedule") or ("contingency",)."""
    lines = text.splitlines()
    headers = [(n, m.group(1)) for n, line in enumerate(lines) if (m := _HEADER.match(line))]

    def find_key(start: int, stop: int, key: str) -> int | None:
        pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
        for n in range(start, stop):
            if pattern.match(lines[n]):
                return n + 1
        return None

    if not loc:
        return None
    if len(loc) >= 2 and isinstance(loc[1], int):
        tables = [n for n, name in headers if name == loc[0]]
        if loc[1] >= len(tables):
            return find_key(0, len(lines), str(loc[0]))
        start = tables[loc[1]]
        stop = next((n for n, _ in headers if n > start), len(lines))
        if len(loc) >= 3:
            return find_key(start + 1, stop, str(loc[2])) or start + 1
        return start + 1
    first_header = headers[0][0] if headers else len(lines)
    return find_key(0, first_header, str(loc[0]))


def _field_name(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (("." if out else "") + str(part))
    return out or "plan"


def field_at(text: str, line: int) -> str:
    """The field written on a 1-based line, named like the validation errors: "commitment[2].grace"."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return "toml"
    key = re.match(r"^\s*\"?([A-Za-z0-9_.-]+)\"?\s*=", lines[line - 1])
    table, index = None, 0
    counts: dict[str, int] = {}
    for n in range(line):
        header = _HEADER.match(lines[n])
        if header:
            table = header.group(1)
            counts[table] = counts.get(table, 0) + 1
            index = counts[table]
    if key is None:
        return f"{table}[{index}]" if table else "toml"
    return f"{table}[{index}].{key.group(1)}" if table else key.group(1)


def _unclosed_string_line(text: str) -> int | None:
    """For errors TOML reports "at end of document": the last line that opens a string and does not close it."""
    found = None
    for n, line in enumerate(text.splitlines(), 1):
        if '"""' not in line and line.count('"') % 2 == 1:
            found = n
    return found


def parse_plan(text: str) -> PlanSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else _unclosed_string_line(text)
        field = field_at(text, line) if line else "toml"
        raise PlanFileError(line, field, f"not valid TOML: {exc}") from exc
    try:
        return PlanSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        inner = err.get("ctx", {}).get("error")
        if isinstance(inner, _Located):
            raise PlanFileError(locate(text, inner.loc), _field_name(inner.loc), inner.message) from exc
        loc = tuple(err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        raise PlanFileError(locate(text, loc), _field_name(loc), message) from exc


def error_at(text: str, loc: tuple[Any, ...], message: str) -> PlanFileError:
    return PlanFileError(locate(text, loc), _field_name(loc), message)
