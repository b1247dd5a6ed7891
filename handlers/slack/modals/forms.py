"""The small forms: choose a family, a new family, an invite, a meeting, away, and a resolve note."""

from __future__ import annotations

from typing import Any

from bot.conversation.staff_intents import FamilyChoice, InviteForm, MeetingForm
from handlers.slack.blocks import context, words
from handlers.slack.modals import (
    AWAY,
    CHOOSE,
    INVITE,
    MEETING,
    NEW,
    RESOLVE,
    checkboxes,
    datepicker,
    modal,
    multi_select,
    radios,
    select,
    text_input,
    timepicker,
    users,
)
from messages import forms as texts
from messages.catalog import SUPPORTED_LANGUAGES, Translator


def choose_family(tr: Translator, choice: FamilyChoice, meta: dict[str, Any]) -> dict[str, Any]:
    c = texts.common(tr)
    options = [(str(fid), alias) for fid, alias in choice.families]
    return modal(tr, CHOOSE, c["app"], [select("family", c["family"], options, options[0][0])],
                 submit=c["next"], meta={**meta, "then": choice.then})


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


def invite(tr: Translator, form: InviteForm) -> dict[str, Any]:
    t = texts.invite(tr)
    blocks = [
        context(form.alias),
        text_input("name", t["name"], hint=t["name_hint"], max_length=60),
        select("role", t["role"], list(texts.role_labels(tr).items()), "supporter"),
        radios("how", t["how"], [("telegram", t["telegram"]), ("slack", t["slack"])], "telegram"),
        users("slack_user", t["slack_user"], optional=True),
        select("language", t["language"], [("auto", t["language_auto"]), *texts.language_labels(tr).items()],
               "auto"),
        checkboxes("discreet", t["discreet"], [("on", t["discreet_on"])]),
    ]
    return modal(tr, INVITE, t["title"], blocks, submit=t["submit"], meta={"f": form.family_id})


def meeting(tr: Translator, form: MeetingForm) -> dict[str, Any]:
    t = texts.meeting(tr)
    labels = texts.meeting_kinds(tr, form.kinds)
    blocks = [
        context(form.alias),
        select("kind", t["kind"], [(k, labels[k]) for k in form.kinds], form.kinds[0]),
        datepicker("date", t["date"], form.today.isoformat()),
        timepicker("time", t["time"], "10:00"),
        text_input("place", t["place"], optional=True, max_length=200),
    ]
    if form.members:
        blocks.append(multi_select("invitees", t["invitees"], [(str(i), n) for i, n in form.members], optional=True))
    else:
        blocks.append(context(t["no_members"]))
    return modal(tr, MEETING, t["title"], blocks, submit=t["submit"], meta={"f": form.family_id})


def away(tr: Translator) -> dict[str, Any]:
    t = texts.away(tr)
    blocks = [datepicker("until", t["until"], optional=True, hint=t["until_hint"]),
              users("cover", t["cover"], optional=True, hint=t["cover_hint"])]
    return modal(tr, AWAY, t["title"], blocks, submit=t["submit"])


def resolve(tr: Translator, escalation_id: int, title: str) -> dict[str, Any]:
    t = texts.resolve(tr)
    blocks = [words(title), text_input("note", t["note"], multiline=True, hint=t["note_hint"], max_length=2000)]
    return modal(tr, RESOLVE, t["title"], blocks, submit=t["submit"], meta={"e": escalation_id})
