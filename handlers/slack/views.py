"""Modal submissions: each view is read into a plain staff intent, handed to the staff door, and answered
with its outcome (an updated view, field errors, or closing)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from bot.conversation import staff_intents as i
from handlers.slack.commands import family_view, status_text
from handlers.slack.context import Ack, SlackContext, request_key
from handlers.slack.modals import meta_int, meta_of, result_view, text, value
from messages import forms as texts
from messages.catalog import Translator, translator


def _day(raw: Any) -> date | None:
    return date.fromisoformat(raw) if raw else None


class Views:
    def __init__(self, slack: SlackContext) -> None:
        self.slack = slack

    async def _submit(self, ack: Ack, body: dict[str, Any], intent: i.Intent) -> tuple[Translator, i.Outcome] | None:
        """Ask the staff door; answer field errors (or a retry) here. None when already answered."""
        outcome = await self.slack.ask(body["user"]["id"], intent, request_key(body))
        if outcome.duplicate:
            await ack()
            return None
        if not outcome.ok:
            await ack(response_action="errors", errors={k: v[:150] for k, v in outcome.errors.items()})
            return None
        return translator(outcome.language), outcome

    async def on_choose(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        uid, meta = body["user"]["id"], meta_of(view)
        then = str(meta.get("then", ""))
        done = await self._submit(ack, body, i.FamilyForm(then, int(value(view["state"]["values"], "family") or 0)))
        if done is None:
            return
        tr, outcome = done
        if isinstance(outcome.value, i.Status):
            await ack()
            await self.slack.ephemeral(meta.get("ch"), uid, status_text(tr, outcome.value.data))
            return
        new_view = family_view(tr, outcome.value, {})
        if new_view is None:
            await ack()
            return
        await ack(response_action="update", view=new_view)

    async def on_new(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = view["state"]["values"]
        done = await self._submit(ack, body, i.NewFamily(
            alias=text(state, "alias"), timezone=text(state, "timezone"), language=value(state, "language") or "en",
            work_start=text(state, "work_start"), work_end=text(state, "work_end"),
            work_days=list(value(state, "work_days") or []), supervisor=value(state, "supervisor"),
            duty=value(state, "duty")))
        if done is None:
            return
        tr, outcome = done
        await ack(response_action="update", view=result_view(tr, texts.new_family(tr)["title"], outcome.lines))
        await self.slack.publish_home(body["user"]["id"])

    async def on_invite(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = view["state"]["values"]
        how, slack_user = value(state, "how"), value(state, "slack_user")
        if how == "slack" and not slack_user:
            tr = translator((await self.slack.ask(body["user"]["id"], i.Language())).language)
            await ack(response_action="errors", errors={"slack_user": texts.invite(tr)["slack_user_missing"]})
            return
        language = value(state, "language")
        done = await self._submit(ack, body, i.Invite(meta_int(view, "f"), text(state, "name"),
                                                      text(state, "role"), slack_user if how == "slack" else None,
                                                      language if language and language != "auto" else None,
                                                      "on" in (value(state, "discreet") or [])))
        if done is None:
            return
        tr, outcome = done
        made = outcome.value
        link = await self.slack.telegram_link(made.code) if not made.sent_to else None
        lines = texts.invite_done(tr, made.name, made.alias, made.code, link, made.sent_to, made.ttl_hours)
        await ack(response_action="update", view=result_view(tr, texts.invite(tr)["title"], lines))

    async def on_meeting(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = view["state"]["values"]
        try:
            starts = datetime.combine(date.fromisoformat(text(state, "date")), time.fromisoformat(text(state, "time")))
        except ValueError as exc:
            await ack(response_action="errors", errors={"date": str(exc)[:150]})
            return
        done = await self._submit(ack, body, i.ScheduleMeeting(
            meta_int(view, "f"), text(state, "kind"), starts, text(state, "place"),
            [int(x) for x in value(state, "invitees") or [] if str(x).isdigit()]))
        if done is not None:
            tr, outcome = done
            await ack(response_action="update", view=result_view(tr, texts.meeting(tr)["title"], outcome.lines))

    async def on_away(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = view["state"]["values"]
        done = await self._submit(ack, body, i.Away(_day(value(state, "until")), value(state, "cover")))
        if done is not None:
            tr, outcome = done
            await ack(response_action="update", view=result_view(tr, texts.away(tr)["title"], outcome.lines))

    async def on_resolve(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        note = text(view["state"]["values"], "note")
        done = await self._submit(ack, body, i.Resolve(meta_int(view, "e"), note))
        if done is not None:
            await ack()
            await self.slack.publish_home(body["user"]["id"])
