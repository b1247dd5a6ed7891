"""`/familyteam`: staff subcommands open forms or answer at once; member subcommands (mine, join CODE, ...)
go to the conversation router like any chat command, and its answer comes by DM."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.conversation import commands as member_commands
from bot.conversation import staff_intents as i
from bot.ports import Inbound, InboundKind
from handlers.slack.blocks import escape, strong
from handlers.slack.context import PLATFORM, Ack, SlackContext, request_key
from handlers.slack.limits import checked_text
from handlers.slack.modals import forms
from handlers.slack.modals.plan_editor import plan
from messages import forms as texts
from messages.catalog import Translator, translator

COMMAND = "/familyteam"
FAMILY_COMMANDS = ("invite", "plan", "meeting", "status")
OPENS: dict[str, Callable[[Translator], dict[str, Any]]] = {"new": forms.new_family, "away": forms.away}


def help_text(tr: Translator) -> str:
    heading, entries = texts.help_entries(tr)
    return "\n".join([strong(escape(heading)), *(f"`{usage}` — {escape(what)}" for usage, what in entries)])


def status_text(tr: Translator, data: dict[str, Any]) -> str:
    return texts.status_text(tr, _escaped(data), strong)


def family_view(tr: Translator, value: Any, meta: dict[str, Any]) -> dict[str, Any] | None:
    """The form for a family task's outcome value (None when there is nothing to open)."""
    if isinstance(value, i.FamilyChoice):
        return forms.choose_family(tr, value, meta)
    if isinstance(value, i.InviteForm):
        return forms.invite(tr, value)
    if isinstance(value, i.MeetingForm):
        return forms.meeting(tr, value)
    if isinstance(value, i.PlanForm):
        return plan(tr, value)
    return None


class Commands:
    def __init__(self, slack: SlackContext) -> None:
        self.slack = slack

    async def on_command(self, ack: Ack, body: dict[str, Any]) -> None:
        uid = body["user_id"]
        sub, _, rest = (body.get("text") or "").strip().partition(" ")
        sub, rest = sub.lower(), rest.strip()
        if sub in member_commands.SLACK:
            await ack()
            await self.slack.sink(Inbound(PLATFORM, uid, InboundKind.COMMAND, command=member_commands.SLACK[sub],
                                          args=rest, display_name=body.get("user_name"), event_id=request_key(body)))
            return
        intent = _intent(sub, rest)
        outcome = await self.slack.ask(uid, intent or i.Language(), request_key(body))
        tr = translator(outcome.language)
        if outcome.duplicate:
            await ack()
        elif not outcome.ok:
            await ack(text=checked_text(escape(outcome.problem)))
        elif intent is None:
            await ack(text=checked_text(help_text(tr)))
        else:
            await self._answer(ack, tr, outcome, body, OPENS.get(sub))

    async def _answer(self, ack: Ack, tr: Translator, outcome: i.Outcome, body: dict[str, Any],
                      opens: Callable[[Translator], dict[str, Any]] | None) -> None:
        if isinstance(outcome.value, i.Status):
            await ack(text=checked_text(status_text(tr, outcome.value.data)))
            return
        view = family_view(tr, outcome.value, {"ch": body.get("channel_id")})
        if view is None and outcome.lines:
            await ack(text=checked_text(escape("\n".join(outcome.lines))))
            return
        view = view or (opens(tr) if opens else None)
        await ack()
        if view is not None:
            await self.slack.open_view(body.get("trigger_id", ""), view)


def _intent(sub: str, rest: str) -> i.Intent | None:
    """The staff intent of a subcommand (None: the help)."""
    if sub == "new":
        return i.CanCreateFamily()
    if sub == "away":
        return i.Hello()
    if sub == "summary":
        return i.SetSummaryTime(rest)
    if sub == "close":
        return i.CloseFamily(rest)
    if sub in FAMILY_COMMANDS:
        return i.FamilyTask(sub, rest)
    if sub == "reply":  # reply <family>: <words>, or reply <one-word family> <words>
        family, colon, words = rest.partition(":")
        if not colon:
            family, _, words = rest.partition(" ")
        return i.Reply(words.strip(), family=family.strip())
    return None


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value
