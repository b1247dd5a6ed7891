"""The modals behind /familyteam: views in, submitted values out. No I/O here."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from typing import Any

from pydantic import ValidationError

from bot.planfile import PlanSpec
from handlers.slack.blocks import context, divider, header, plain, section
from handlers.slack.schedule import from_rrule, to_rrule
from messages import slack as texts
from messages.catalog import SUPPORTED_LANGUAGES, Translator

V = "v"  # the action_id of every input element; block ids name the fields

# callback ids
CHOOSE, NEW, INVITE, PLAN, MEETING, AWAY, RESOLVE = ("ft_choose", "ft_new", "ft_invite", "ft_plan", "ft_meeting",
                                                     "ft_away", "ft_resolve")
Options = list[tuple[str, str]]


# --- building ------------------------------------------------------------------------------------

def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, 75), "value": value[:150]}


def _input(block: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str | None = None
           ) -> dict[str, Any]:
    element = {**element, "action_id": V}
    b: dict[str, Any] = {"type": "input", "block_id": block, "label": plain(label, 2000), "element": element,
                         "optional": optional}
    if hint:
        b["hint"] = plain(hint, 2000)
    return b


def text_input(block: str, label: str, initial: str | None = None, *, multiline: bool = False,
               optional: bool = False, hint: str | None = None, max_length: int = 3000) -> dict[str, Any]:
    el: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline, "max_length": max_length}
    if initial:
        el["initial_value"] = initial[:max_length]
    return _input(block, label, el, optional=optional, hint=hint)


def select(block: str, label: str, options: Options, initial: str | None = None, *, optional: bool = False,
           hint: str | None = None) -> dict[str, Any]:
    opts = [_option(v, lbl) for v, lbl in options][:100]
    el: dict[str, Any] = {"type": "static_select", "options": opts}
    chosen = next((o for o in opts if o["value"] == initial), None)
    if chosen:
        el["initial_option"] = chosen
    return _input(block, label, el, optional=optional, hint=hint)


def multi_select(block: str, label: str, options: Options, initial: list[str] | None = None, *,
                 optional: bool = False) -> dict[str, Any]:
    opts = [_option(v, lbl) for v, lbl in options][:100]
    el: dict[str, Any] = {"type": "multi_static_select", "options": opts}
    chosen = [o for o in opts if o["value"] in (initial or [])]
    if chosen:
        el["initial_options"] = chosen
    return _input(block, label, el, optional=optional)


def checkboxes(block: str, label: str, options: Options, initial: list[str] | None = None, *,
               optional: bool = True, hint: str | None = None) -> dict[str, Any]:
    opts = [_option(v, lbl) for v, lbl in options]
    el: dict[str, Any] = {"type": "checkboxes", "options": opts}
    chosen = [o for o in opts if o["value"] in (initial or [])]
    if chosen:
        el["initial_options"] = chosen
    return _input(block, label, el, optional=optional, hint=hint)


def radios(block: str, label: str, options: Options, initial: str) -> dict[str, Any]:
    opts = [_option(v, lbl) for v, lbl in options]
    el = {"type": "radio_buttons", "options": opts, "initial_option": next(o for o in opts if o["value"] == initial)}
    return _input(block, label, el)


def users(block: str, label: str, *, optional: bool = False, hint: str | None = None) -> dict[str, Any]:
    return _input(block, label, {"type": "users_select"}, optional=optional, hint=hint)


def timepicker(block: str, label: str, initial: str | None = None, *, optional: bool = False) -> dict[str, Any]:
    el: dict[str, Any] = {"type": "timepicker"}
    if initial:
        el["initial_time"] = initial
    return _input(block, label, el, optional=optional)


def datepicker(block: str, label: str, initial: str | None = None, *, optional: bool = False,
               hint: str | None = None) -> dict[str, Any]:
    el: dict[str, Any] = {"type": "datepicker"}
    if initial:
        el["initial_date"] = initial
    return _input(block, label, el, optional=optional, hint=hint)


def modal(tr: Translator, callback_id: str, title: str, blocks: list[dict[str, Any]], *, submit: str | None,
          meta: dict[str, Any] | None = None) -> dict[str, Any]:
    c = texts.common(tr)
    view: dict[str, Any] = {"type": "modal", "callback_id": callback_id, "title": plain(title, 24),
                            "close": plain(c["cancel"] if submit else c["done"], 24), "blocks": blocks[:100],
                            "private_metadata": json.dumps(meta or {}, separators=(",", ":"))}
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def result_view(tr: Translator, title: str, lines: list[str]) -> dict[str, Any]:
    return modal(tr, "ft_result", title, [section(line) for line in lines], submit=None)


def choose_family(tr: Translator, families: Options, then: str, meta: dict[str, Any]) -> dict[str, Any]:
    c = texts.common(tr)
    return modal(tr, CHOOSE, c["app"], [select("family", c["family"], families, families[0][0])],
                 submit=c["next"], meta={**meta, "then": then})


def new_family(tr: Translator) -> dict[str, Any]:
    t = texts.new_family(tr)
    days = texts.day_labels(tr)
    langs = texts.language_labels(tr)
    blocks = [
        context(t["you"]),
        text_input("alias", t["alias"], hint=t["alias_hint"], max_length=80),
        text_input("timezone", t["timezone"], "Europe/London", hint=t["timezone_hint"], max_length=64),
        select("language", t["language"], [(lang, langs[lang]) for lang in SUPPORTED_LANGUAGES], "en"),
        timepicker("work_start", t["work_start"], "09:00"),
        timepicker("work_end", t["work_end"], "17:00"),
        checkboxes("work_days", t["work_days"], list(days.items()), ["MO", "TU", "WE", "TH", "FR"], optional=False),
        users("supervisor", t["supervisor"]),
        users("duty", t["duty"], optional=True),
    ]
    return modal(tr, NEW, t["title"], blocks, submit=t["submit"])


def invite(tr: Translator, family_id: int, alias: str) -> dict[str, Any]:
    t = texts.invite(tr)
    blocks = [
        context(alias),
        text_input("name", t["name"], hint=t["name_hint"], max_length=60),
        select("role", t["role"], list(texts.role_labels(tr).items()), "supporter"),
        radios("how", t["how"], [("telegram", t["telegram"]), ("slack", t["slack"])], "telegram"),
        users("slack_user", t["slack_user"], optional=True),
    ]
    return modal(tr, INVITE, t["title"], blocks, submit=t["submit"], meta={"f": family_id})


def meeting(tr: Translator, family_id: int, alias: str, kinds: list[str], members: Options, today: date
            ) -> dict[str, Any]:
    t = texts.meeting(tr)
    labels = texts.meeting_kinds(tr, kinds)
    blocks = [
        context(alias),
        select("kind", t["kind"], [(k, labels[k]) for k in kinds], kinds[0]),
        datepicker("date", t["date"], today.isoformat()),
        timepicker("time", t["time"], "10:00"),
        text_input("place", t["place"], optional=True, max_length=200),
    ]
    if members:
        blocks.append(multi_select("invitees", t["invitees"], members, optional=True))
    else:
        blocks.append(context(t["no_members"]))
    return modal(tr, MEETING, t["title"], blocks, submit=t["submit"], meta={"f": family_id})


def away(tr: Translator) -> dict[str, Any]:
    t = texts.away(tr)
    blocks = [datepicker("until", t["until"], optional=True, hint=t["until_hint"]),
              users("cover", t["cover"], optional=True, hint=t["cover_hint"])]
    return modal(tr, AWAY, t["title"], blocks, submit=t["submit"])


def resolve(tr: Translator, escalation_id: int, title: str) -> dict[str, Any]:
    t = texts.resolve(tr)
    blocks = [section(title), text_input("note", t["note"], multiline=True, hint=t["note_hint"], max_length=2000)]
    return modal(tr, RESOLVE, t["title"], blocks, submit=t["submit"], meta={"e": escalation_id})


# --- the plan editor -----------------------------------------------------------------------------

def plan(tr: Translator, family_id: int, alias: str, version: int | None, content: dict[str, Any],
         members: list[str]) -> dict[str, Any]:
    t = texts.plan(tr)
    days = list(texts.day_labels(tr).items())
    graces = [(g, texts.grace_label(tr, g)) for g in texts.GRACES]
    bottom = content.get("bottom_line", [])
    commitments = content.get("commitment", [])
    guard_options = [("-", t["no_guard"])] + [(b["key"], b["text"]) for b in bottom]
    member_options = [(n, n) for n in members]
    intro = (t["intro"].format(alias=alias, version=version) if version else t["intro_new"].format(alias=alias))
    blocks: list[dict[str, Any]] = [context(intro)]
    blocks.append(text_input("contingency", t["contingency"], content.get("contingency") or None, multiline=True,
                             optional=True, hint=t["contingency_hint"], max_length=3000))
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
    for g, c in enumerate(groups):
        picked = from_rrule(c["schedule"]) if c else None
        blocks.append(section("*" + (t["commitment"].format(n=g + 1) if c else t["new_commitment"]) + "*"))
        if member_options:
            blocks.append(select(f"c{g}_member", t["member"], member_options, c["member"] if c else None,
                                 optional=True))
        blocks.append(text_input(f"c{g}_text", t["text"], c["text"] if c else None, optional=True, max_length=500))
        blocks.append(checkboxes(f"c{g}_days", t["days"], days, list(picked.days) if picked else [],
                                 hint=t["days_hint"]))
        blocks.append(timepicker(f"c{g}_time", t["time"], picked.time if picked else None, optional=True))
        grace = c.get("grace", "1h") if c else "1h"
        opts = graces if grace in texts.GRACES else [*graces, (grace, grace)]
        blocks.append(select(f"c{g}_grace", t["grace"], opts, grace, optional=True))
        blocks.append(select(f"c{g}_guards", t["guards"], guard_options, (c.get("guards") or "-") if c else "-",
                             optional=True))
        blocks.append(text_input(f"c{g}_rrule", t["rrule"], c["schedule"] if c and picked is None else None,
                                 optional=True, hint=t["rrule_hint"], max_length=300))
        if c:
            blocks.append(checkboxes(f"c{g}_remove", t["remove"], [("remove", t["remove"])]))
    blocks += [divider(), text_input("reason", t["reason"], multiline=True, hint=t["reason_hint"], max_length=2000)]
    meta = {"f": family_id, "v": version or 0, "bl": [b["key"] for b in bottom], "c": [c["key"] for c in commitments]}
    return modal(tr, PLAN, t["title"], blocks, submit=t["submit"], meta=meta)


CONTINGENCY_FIELD = 3000  # Slack's limit for a text input


def slug(text: str, taken: set[str], prefix: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:40].strip("-") or prefix
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    taken.add(key)
    return key


def read_plan(tr: Translator, view: dict[str, Any], latest: dict[str, Any]
              ) -> tuple[PlanSpec | None, str, dict[str, str]]:
    """(spec, reason, errors by block id) from a submitted plan editor, starting from the latest content."""
    t = texts.plan(tr)
    meta = json.loads(view.get("private_metadata") or "{}")
    state = view["state"]["values"]
    errors: dict[str, str] = {}
    content = json.loads(json.dumps(latest))  # a deep copy: goals, review_by and meetings carry over
    shown = (latest.get("contingency") or "")[:CONTINGENCY_FIELD]
    submitted = value(state, "contingency") or ""
    if submitted != shown or len(latest.get("contingency") or "") <= CONTINGENCY_FIELD:
        content["contingency"] = submitted  # a longer one, left untouched in the field, is kept whole
    content["people_to_avoid"] = [n.strip() for n in (value(state, "avoid") or "").splitlines() if n.strip()]
    bl_keys: list[str] = meta.get("bl", [])
    taken = set(bl_keys)
    bottom, bl_blocks = [], []
    for i, key in enumerate(bl_keys):
        text = (value(state, f"bl_{i}") or "").strip()
        if text:
            bottom.append({"key": key, "text": text})
            bl_blocks.append(f"bl_{i}")
    new_bl = (value(state, "bl_new") or "").strip()
    if new_bl:
        bottom.append({"key": slug(new_bl, taken, "bottom-line"), "text": new_bl})
        bl_blocks.append("bl_new")
    content["bottom_line"] = bottom
    kept_bl = {b["key"] for b in bottom}
    previous = {c["key"]: c for c in latest.get("commitment", [])}
    c_keys: list[str] = meta.get("c", [])
    ctaken = set(c_keys)
    commitments, c_groups = [], []
    for g in range(len(c_keys) + 1):
        if f"c{g}_text" not in state:
            continue
        existing = g < len(c_keys)
        if existing and "remove" in (value(state, f"c{g}_remove") or []):
            continue
        text = (value(state, f"c{g}_text") or "").strip()
        member = value(state, f"c{g}_member")
        if not existing and not text:
            continue  # the blank "add a commitment" group
        c: dict[str, Any] = dict(previous.get(c_keys[g], {})) if existing else {}
        if not text:
            errors[f"c{g}_text"] = t["need_text"]
        if not member:
            errors[f"c{g}_member"] = t["need_member"]
        rrule = (value(state, f"c{g}_rrule") or "").strip()
        at = value(state, f"c{g}_time")
        if not rrule and not at:
            errors[f"c{g}_time"] = t["need_time"]
        guards = value(state, f"c{g}_guards") or "-"
        c.update({"key": c_keys[g] if existing else slug(text, ctaken, "commitment"), "member": member or "",
                  "text": text, "schedule": rrule or (to_rrule(value(state, f"c{g}_days") or [], at) if at else ""),
                  "grace": value(state, f"c{g}_grace") or c.get("grace", "1h"),
                  "guards": guards if guards in kept_bl else None})
        if guards != "-" and guards not in kept_bl:
            errors[f"c{g}_guards"] = t["guards"]
        commitments.append(c)
        c_groups.append(g)
    content["commitment"] = commitments
    reason = (value(state, "reason") or "").strip()
    if not reason:
        errors["reason"] = t["need_reason"]
    if errors:
        return None, reason, errors
    try:
        return PlanSpec.model_validate(content), reason, {}
    except ValidationError as exc:
        err = exc.errors()[0]
        inner = err.get("ctx", {}).get("error")
        loc = tuple(getattr(inner, "loc", None) or err["loc"])
        message = str(getattr(inner, "message", None) or err["msg"]).removeprefix("Value error, ")
        return None, reason, {_block_for(loc, bl_blocks, c_groups): message[:150]}


def _block_for(loc: tuple[Any, ...], bl_blocks: list[str], c_groups: list[int]) -> str:
    fields = {"member": "member", "text": "text", "schedule": "time", "grace": "grace", "guards": "guards",
              "key": "text"}
    if len(loc) >= 2 and loc[0] == "commitment" and isinstance(loc[1], int) and loc[1] < len(c_groups):
        field = fields.get(str(loc[2]) if len(loc) > 2 else "text", "text")
        return f"c{c_groups[loc[1]]}_{field}"
    if len(loc) >= 2 and loc[0] == "bottom_line" and isinstance(loc[1], int) and loc[1] < len(bl_blocks):
        return bl_blocks[loc[1]]
    if loc and loc[0] == "people_to_avoid":
        return "avoid"
    if loc and loc[0] == "contingency":
        return "contingency"
    return "reason"


# --- reading -------------------------------------------------------------------------------------

def value(state: dict[str, Any], block: str) -> Any:
    """The submitted value of a block's element, whatever its type (None when empty)."""
    el = state.get(block, {}).get(V)
    if el is None:
        return None
    kind = el.get("type")
    if kind in ("static_select", "radio_buttons"):
        return (el.get("selected_option") or {}).get("value")
    if kind in ("multi_static_select", "checkboxes"):
        return [o["value"] for o in el.get("selected_options") or []]
    if kind == "users_select":
        return el.get("selected_user")
    if kind == "timepicker":
        return el.get("selected_time")
    if kind == "datepicker":
        return el.get("selected_date")
    return el.get("value")


def meta_of(view: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def local_datetime(day: str, at: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(at))
