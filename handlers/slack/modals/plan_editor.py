"""The plan editor, for a plan of any size: an overview (contingency, people to avoid, every bottom line and
commitment on one line with its Edit button, Add buttons, the reason and Save), and one small form per item
pushed over it. The items as edited so far are the core's plan draft (the overview's metadata names it), so
neither view grows with the plan beyond one block per item."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.conversation.staff_intents import PlanForm, PlanItem
from bot.services.plan_editor import NO_GUARD, EditedCommitment, EditedLine, PlanEdit
from handlers.slack.blocks import button, context, divider, escape, header, section, strong
from handlers.slack.modals import (
    PLAN,
    PLAN_ITEM,
    checkboxes,
    meta_of,
    modal,
    select,
    text,
    text_input,
    timepicker,
    value,
)
from handlers.slack.schedule import from_rrule, to_rrule
from messages import forms as texts
from messages.catalog import Translator

CONTINGENCY_FIELD = 3000  # Slack's limit for a text input
# Action ids of the overview's buttons, by the kind of item they open (the value is the item's ref; none: add).
EDIT_LINE, EDIT_COMMITMENT = "ft_plan_bl", "ft_plan_c"
BOTTOM_LINE, COMMITMENT = "bottom_line", "commitment"


def plan(tr: Translator, form: PlanForm) -> dict[str, Any]:
    """The overview: one section per bottom line and per commitment, whatever the plan's size."""
    t = texts.plan(tr)
    content = form.content
    intro = (t["intro"].format(alias=form.alias, version=form.version) if form.version
             else t["intro_new"].format(alias=form.alias))
    blocks: list[Block] = [context(f"{intro}\n{t['overview_hint']}")]
    blocks.append(text_input("contingency", t["contingency"], content.get("contingency") or None, multiline=True,
                             optional=True, hint=t["contingency_hint"], max_length=CONTINGENCY_FIELD))
    blocks.append(text_input("avoid", t["avoid"], "\n".join(content.get("people_to_avoid", [])) or None,
                             multiline=True, optional=True, hint=t["avoid_hint"]))
    blocks += [divider(), header(t["bottom_lines"])]
    saved_lines = {b["key"] for b in content.get("bottom_line", [])}
    for n, b in enumerate(form.bottom_lines, 1):
        blocks.append(section(_line_summary(t, n, b, b.key not in saved_lines),
                              accessory=button(t["edit"], b.ref, f"{EDIT_LINE}_{n}")))
    if not form.bottom_lines:
        blocks.append(context(t["no_bottom_lines"]))
    blocks += [divider(), header(t["commitments"])]
    for n, c in enumerate(form.commitments, 1):
        blocks.append(section(_commitment_summary(tr, n, c),
                              accessory=button(t["edit"], c.ref, f"{EDIT_COMMITMENT}_{n}")))
    if not form.commitments:
        blocks.append(context(t["no_commitments"]))
    if not form.members:
        blocks.append(context(t["no_members"]))
    adds = [button(t["new_bottom_line"], "", f"{EDIT_LINE}_new")]
    if form.members:
        adds.append(button(t["new_commitment"], "", f"{EDIT_COMMITMENT}_new"))
    blocks += [ActionsBlock(block_id="ft_plan_add", elements=adds), divider(),
               text_input("reason", t["reason"], multiline=True, hint=t["reason_hint"], max_length=2000)]
    meta = {"f": form.family_id, "v": form.version or 0, "d": form.draft_id}
    return modal(tr, PLAN, t["title"], blocks, submit=t["submit"], meta=meta)


def _line_summary(t: dict[str, str], n: int, b: EditedLine, new: bool) -> str:
    if not b.text.strip():
        return f"{strong(f'{n}.')} _{escape(t['removed'])}_"
    return f"{strong(f'{n}.')} {escape(b.text)}" + (f"  _({escape(t['added'])})_" if new else "")


def _commitment_summary(tr: Translator, n: int, c: EditedCommitment) -> str:
    t = texts.plan(tr)
    who = strong(f"{n}. {escape(c.member or t['nobody'])}")
    words = escape(c.text)
    head = f"{who} — {f'~{words}~' if c.remove else words}"
    if c.remove:
        head += f"  _({escape(t['removed'])})_"
    elif c.key is None:
        head += f"  _({escape(t['added'])})_"
    return f"{head}\n{escape(_when(tr, c))}"


def _when(tr: Translator, c: EditedCommitment) -> str:
    t = texts.plan(tr)
    picked = from_rrule(c.schedule) if c.schedule else None
    if picked is None:
        when = c.schedule
    else:
        labels = texts.day_labels(tr)
        days = ", ".join(labels[d] for d in picked.days) if picked.days else t["every_day"]
        when = f"{days} {picked.time}"
    grace = texts.grace_label(tr, c.grace) if c.grace in texts.GRACES else (c.grace or "")
    return " · ".join(part for part in (when, grace) if part)


def item_view(tr: Translator, item: PlanItem, parent: str) -> dict[str, Any]:
    """The form for one bottom line or commitment (`parent`: the overview's view id, updated on submit)."""
    t, c = texts.plan(tr), texts.common(tr)
    heading = (texts.plan_item_name(tr, item.kind, item.number) if item.number
               else t["new_bottom_line"] if item.kind == BOTTOM_LINE else t["new_commitment"])
    blocks: list[Block] = [header(heading)]
    ref = ""
    if item.kind == BOTTOM_LINE:
        line = item.line
        ref = line.ref if line else ""
        blocks.append(text_input("text", t["bottom_line"], line.text if line else None, optional=line is not None,
                                 hint=t["bottom_line_hint"] if line else None, max_length=500))
    else:
        ref = item.commitment.ref if item.commitment else ""
        blocks += _commitment_inputs(tr, item)
    meta = {"d": item.draft_id, "k": item.kind, "r": ref, "p": parent}
    return modal(tr, PLAN_ITEM, t["title"], blocks, submit=c["done"], meta=meta)


def _commitment_inputs(tr: Translator, item: PlanItem) -> list[Block]:
    t = texts.plan(tr)
    cm = item.commitment
    picked = from_rrule(cm.schedule) if cm and cm.schedule else None
    members = list(item.members) + ([cm.member] if cm and cm.member and cm.member not in item.members else [])
    grace = (cm.grace if cm else None) or "1h"
    graces = [(x, texts.grace_label(tr, x)) for x in texts.GRACES]
    guards = [(NO_GUARD, t["no_guard"]), *item.guards]
    blocks: list[Block] = [
        select("member", t["member"], [(m, m) for m in members], cm.member if cm else None),
        text_input("text", t["text"], cm.text if cm else None, max_length=500),
        checkboxes("days", t["days"], list(texts.day_labels(tr).items()), list(picked.days) if picked else [],
                   hint=t["days_hint"]),
        timepicker("time", t["time"], picked.time if picked else None, optional=True),
        select("grace", t["grace"], graces if grace in texts.GRACES else [*graces, (grace, grace)], grace,
               optional=True),
        select("guards", t["guards"], guards, (cm.guards if cm else None) or NO_GUARD, optional=True),
        text_input("rrule", t["rrule"], cm.schedule if cm and cm.schedule and picked is None else None,
                   optional=True, hint=t["rrule_hint"], max_length=300),
    ]
    if cm:
        blocks.append(checkboxes("remove", t["remove"], [("remove", t["remove"])], ["remove"] if cm.remove else []))
    return blocks


# --- reading --------------------------------------------------------------------------------------

def read_overview(view: dict[str, Any]) -> tuple[int, int, int, PlanEdit]:
    """(family id, version shown, draft id, the overview's own fields as an edit; its items are the draft's)."""
    meta = meta_of(view)
    state = view["state"]["values"]
    edit = PlanEdit(contingency=text(state, "contingency"), avoid=text(state, "avoid").splitlines(),
                    bottom_lines=[], commitments=[], reason=text(state, "reason"),
                    contingency_limit=CONTINGENCY_FIELD)
    return _int(meta.get("f")), _int(meta.get("v")), _int(meta.get("d")), edit


def read_item(view: dict[str, Any]) -> tuple[int, str, EditedLine | EditedCommitment]:
    """(draft id, the overview's view id, the item as submitted: ref "" for a new one)."""
    meta = meta_of(view)
    state = view["state"]["values"]
    ref, parent = str(meta.get("r") or ""), str(meta.get("p") or "")
    if meta.get("k") == BOTTOM_LINE:
        return _int(meta.get("d")), parent, EditedLine(ref, None, text(state, "text"))
    rrule = text(state, "rrule").strip()
    at = value(state, "time")
    return _int(meta.get("d")), parent, EditedCommitment(
        ref=ref, key=None, member=text(state, "member"), text=text(state, "text"),
        schedule=rrule or (to_rrule(value(state, "days") or [], at) if at else ""),
        grace=value(state, "grace"), guards=value(state, "guards") or NO_GUARD,
        remove="remove" in (value(state, "remove") or []))


def _int(raw: Any) -> int:
    return raw if isinstance(raw, int) else int(raw) if str(raw).isdigit() else 0
