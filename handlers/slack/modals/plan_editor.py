"""The plan editor: the latest plan as a form, and a submitted form back into plain edits (the staff door
checks the version, builds and validates the new content, and answers with problems by field)."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.conversation.staff_intents import PlanForm
from bot.services.plan_editor import NO_GUARD, EditedCommitment, EditedLine, PlanEdit
from handlers.slack.blocks import context, divider, escape, header, section, strong
from handlers.slack.modals import PLAN, checkboxes, meta_of, modal, select, text, text_input, timepicker, value
from handlers.slack.schedule import from_rrule, to_rrule
from messages import forms as texts
from messages.catalog import Translator

CONTINGENCY_FIELD = 3000  # Slack's limit for a text input


def plan(tr: Translator, form: PlanForm) -> dict[str, Any]:
    t = texts.plan(tr)
    content, members = form.content, form.members
    bottom = content.get("bottom_line", [])
    commitments = content.get("commitment", [])
    intro = (t["intro"].format(alias=form.alias, version=form.version) if form.version
             else t["intro_new"].format(alias=form.alias))
    blocks: list[Block] = [context(intro)]
    blocks.append(text_input("contingency", t["contingency"], content.get("contingency") or None, multiline=True,
                             optional=True, hint=t["contingency_hint"], max_length=CONTINGENCY_FIELD))
    blocks.append(text_input("avoid", t["avoid"], "\n".join(content.get("people_to_avoid", [])) or None,
                             multiline=True, optional=True, hint=t["avoid_hint"]))
    blocks += [divider(), header(t["bottom_lines"])]
    for i, b in enumerate(bottom):
        blocks.append(text_input(f"bl_{i}", t["bottom_line"], b["text"], optional=True, hint=t["bottom_line_hint"],
                                 max_length=500))
    blocks.append(text_input("bl_new", t["new_bottom_line"], optional=True, max_length=500))
    blocks += [divider(), header(t["commitments"])]
    if not members:
        blocks.append(context(t["no_members"]))
    groups = [*commitments, None] if members else list(commitments)
    guards = [(NO_GUARD, t["no_guard"])] + [(b["key"], b["text"]) for b in bottom]
    for g, c in enumerate(groups):
        blocks += _commitment(tr, g, c, members, guards)
    blocks += [divider(), text_input("reason", t["reason"], multiline=True, hint=t["reason_hint"], max_length=2000)]
    meta = {"f": form.family_id, "v": form.version or 0, "bl": [b["key"] for b in bottom],
            "c": [c["key"] for c in commitments]}
    return modal(tr, PLAN, t["title"], blocks, submit=t["submit"], meta=meta)


def _commitment(tr: Translator, g: int, c: dict[str, Any] | None, members: list[str],
                guards: list[tuple[str, str]]) -> list[Block]:
    t = texts.plan(tr)
    picked = from_rrule(c["schedule"]) if c else None
    heading = t["commitment"].format(n=g + 1) if c else t["new_commitment"]
    blocks: list[Block] = [section(strong(escape(heading)))]
    if members:
        blocks.append(select(f"c{g}_member", t["member"], [(n, n) for n in members], c["member"] if c else None,
                             optional=True))
    blocks.append(text_input(f"c{g}_text", t["text"], c["text"] if c else None, optional=True, max_length=500))
    blocks.append(checkboxes(f"c{g}_days", t["days"], list(texts.day_labels(tr).items()),
                             list(picked.days) if picked else [], hint=t["days_hint"]))
    blocks.append(timepicker(f"c{g}_time", t["time"], picked.time if picked else None, optional=True))
    grace = c.get("grace", "1h") if c else "1h"
    graces = [(x, texts.grace_label(tr, x)) for x in texts.GRACES]
    blocks.append(select(f"c{g}_grace", t["grace"], graces if grace in texts.GRACES else [*graces, (grace, grace)],
                         grace, optional=True))
    blocks.append(select(f"c{g}_guards", t["guards"], guards, (c.get("guards") or NO_GUARD) if c else NO_GUARD,
                         optional=True))
    blocks.append(text_input(f"c{g}_rrule", t["rrule"], c["schedule"] if c and picked is None else None,
                             optional=True, hint=t["rrule_hint"], max_length=300))
    if c:
        blocks.append(checkboxes(f"c{g}_remove", t["remove"], [("remove", t["remove"])]))
    return blocks


def read_plan(view: dict[str, Any]) -> PlanEdit:
    """The submitted editor as plain edits; problems come back by block id."""
    meta = meta_of(view)
    state = view["state"]["values"]
    bl_keys = [str(k) for k in meta.get("bl", [])]
    lines = [EditedLine(f"bl_{i}", key, text(state, f"bl_{i}")) for i, key in enumerate(bl_keys)]
    lines.append(EditedLine("bl_new", None, text(state, "bl_new")))
    c_keys = [str(k) for k in meta.get("c", [])]
    commitments = [_read_commitment(state, g, c_keys[g] if g < len(c_keys) else None)
                   for g in range(len(c_keys) + 1) if f"c{g}_text" in state]
    return PlanEdit(contingency=text(state, "contingency"), avoid=text(state, "avoid").splitlines(),
                    bottom_lines=lines, commitments=commitments, reason=text(state, "reason"),
                    contingency_limit=CONTINGENCY_FIELD)


def _read_commitment(state: dict[str, Any], g: int, key: str | None) -> EditedCommitment:
    rrule = text(state, f"c{g}_rrule").strip()
    at = value(state, f"c{g}_time")
    return EditedCommitment(
        ref=f"c{g}", key=key, member=text(state, f"c{g}_member"), text=text(state, f"c{g}_text"),
        schedule=rrule or (to_rrule(value(state, f"c{g}_days") or [], at) if at else ""),
        grace=value(state, f"c{g}_grace"), guards=value(state, f"c{g}_guards") or NO_GUARD,
        remove="remove" in (value(state, f"c{g}_remove") or []))
