"""The modals behind /familyteam (slack_sdk.models views): the input builders every form shares, and
reading a submitted view's values back. No I/O here; each form is in its own module."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from handlers.slack.blocks import plain, words
from handlers.slack.limits import view_dict
from messages import forms as texts
from messages.catalog import Translator

V = "v"  # the action_id of every input element; block ids name the fields

# callback ids
CHOOSE, NEW, INVITE, PLAN, MEETING, AWAY, RESOLVE = ("ft_choose", "ft_new", "ft_invite", "ft_plan", "ft_meeting",
                                                     "ft_away", "ft_resolve")
PLAN_ITEM = "ft_plan_item"  # one bottom line or commitment, pushed over the plan's overview
Options = list[tuple[str, str]]


def _options(options: Options) -> list[Option]:
    return [Option(value=v, label=_fit(lbl or " ", 75)) for v, lbl in options]


def _fit(label: str, limit: int) -> str:
    """A menu label (a bottom line's words may be longer than a menu shows): shortened, visibly."""
    return label if len(label) <= limit else label[:limit - 1] + "…"


def _input(block: str, label: str, element: Any, *, optional: bool = False, hint: str | None = None) -> InputBlock:
    return InputBlock(block_id=block, label=plain(label, 2000), element=element, optional=optional,
                      hint=plain(hint, 2000) if hint else None)


def text_input(block: str, label: str, initial: str | None = None, *, multiline: bool = False,
               optional: bool = False, hint: str | None = None, max_length: int = 3000) -> InputBlock:
    el = PlainTextInputElement(action_id=V, multiline=multiline, max_length=max_length,
                               initial_value=initial[:max_length] if initial else None)
    return _input(block, label, el, optional=optional, hint=hint)


def select(block: str, label: str, options: Options, initial: str | None = None, *, optional: bool = False,
           hint: str | None = None) -> InputBlock:
    opts = _options(options)
    chosen = next((o for o in opts if o.value == initial), None)
    return _input(block, label, StaticSelectElement(action_id=V, options=opts, initial_option=chosen),
                  optional=optional, hint=hint)


def multi_select(block: str, label: str, options: Options, initial: list[str] | None = None, *,
                 optional: bool = False) -> InputBlock:
    opts = _options(options)
    chosen = [o for o in opts if o.value in (initial or [])] or None
    return _input(block, label, StaticMultiSelectElement(action_id=V, options=opts, initial_options=chosen),
                  optional=optional)


def checkboxes(block: str, label: str, options: Options, initial: list[str] | None = None, *,
               optional: bool = True, hint: str | None = None) -> InputBlock:
    opts = _options(options)
    chosen = [o for o in opts if o.value in (initial or [])] or None
    return _input(block, label, CheckboxesElement(action_id=V, options=opts, initial_options=chosen),
                  optional=optional, hint=hint)


def radios(block: str, label: str, options: Options, initial: str) -> InputBlock:
    opts = _options(options)
    chosen = next(o for o in opts if o.value == initial)
    return _input(block, label, RadioButtonsElement(action_id=V, options=opts, initial_option=chosen))


def users(block: str, label: str, *, optional: bool = False, hint: str | None = None) -> InputBlock:
    return _input(block, label, UserSelectElement(action_id=V), optional=optional, hint=hint)


def timepicker(block: str, label: str, initial: str | None = None, *, optional: bool = False) -> InputBlock:
    return _input(block, label, TimePickerElement(action_id=V, initial_time=initial), optional=optional)


def datepicker(block: str, label: str, initial: str | None = None, *, optional: bool = False,
               hint: str | None = None) -> InputBlock:
    return _input(block, label, DatePickerElement(action_id=V, initial_date=initial), optional=optional, hint=hint)


def modal(tr: Translator, callback_id: str, title: str, blocks: Sequence[Block], *, submit: str | None,
          meta: dict[str, Any] | None = None) -> dict[str, Any]:
    c = texts.common(tr)
    return view_dict(View(type="modal", callback_id=callback_id, title=plain(title, 24),
                          close=plain(c["cancel"] if submit else c["done"], 24), blocks=list(blocks),
                          submit=plain(submit, 24) if submit else None,
                          private_metadata=json.dumps(meta or {}, separators=(",", ":"))))


def result_view(tr: Translator, title: str, lines: list[str]) -> dict[str, Any]:
    """A modal showing what happened, in plain words."""
    return modal(tr, "ft_result", title, [words(line) for line in lines], submit=None)


# --- reading -------------------------------------------------------------------------------------

_READ = {"static_select": lambda el: (el.get("selected_option") or {}).get("value"),
         "radio_buttons": lambda el: (el.get("selected_option") or {}).get("value"),
         "multi_static_select": lambda el: [o["value"] for o in el.get("selected_options") or []],
         "checkboxes": lambda el: [o["value"] for o in el.get("selected_options") or []],
         "users_select": lambda el: el.get("selected_user"),
         "timepicker": lambda el: el.get("selected_time"),
         "datepicker": lambda el: el.get("selected_date")}


def value(state: dict[str, Any], block: str) -> Any:
    """The submitted value of a block's element, whatever its type (None when empty)."""
    el = state.get(block, {}).get(V)
    if el is None:
        return None
    read = _READ.get(el.get("type"))
    return read(el) if read else el.get("value")


def text(state: dict[str, Any], block: str) -> str:
    return str(value(state, block) or "")


def meta_of(view: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def meta_int(view: dict[str, Any], key: str) -> int:
    raw = meta_of(view).get(key, 0)
    return raw if isinstance(raw, int) else int(raw) if str(raw).isdigit() else 0
