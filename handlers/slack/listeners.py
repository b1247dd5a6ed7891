"""Bolt listeners: the /familyteam command, modal submissions, buttons, DMs and App Home.

Every listener acknowledges first (or answers with its ack when the answer is a quick database read or a
modal validation) and does Slack Web API calls afterwards. A request Slack delivers twice (retries) is
claimed once by its event id / trigger id, so it never has a second effect."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from slack_bolt.response import BoltResponse

from bot import buttons
from bot.domain.vocabulary import MeetingKind
from bot.ports import Inbound
from bot.services import escalations, families, home, records, slack_staff
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput, NotFound, Refused, ServiceError
from bot.services.people import identity_of
from bot.services.plans import apply_plan_spec, latest_version
from handlers.slack import modals
from handlers.slack.blocks import BUTTON_ACTION, escape
from handlers.slack.home import SUMMARY_TIME_ACTION, home_view
from messages import slack as texts
from messages.catalog import Translator, translator
from storage.models import Family, InboundReceipt, Person
from storage.upsert import insert_ignore

if TYPE_CHECKING:
    from handlers.slack.adapter import SlackAdapter

log = logging.getLogger(__name__)
T = TypeVar("T")
COMMAND = "/familyteam"
# Subcommands a network member on Slack may use; the core router answers them by DM.
ROUTER_COMMANDS = {"mine", "next", "stop", "language", "discreet", "pause", "join"}
FAMILY_COMMANDS = ("invite", "plan", "meeting", "status")
Ack = Callable[..., Awaitable[None]]


def request_key(body: dict[str, Any]) -> str | None:
    """What makes a Slack request unique, so a retry of it is recognised."""
    kind = body.get("type")
    if kind == "event_callback":
        return f"ev:{body.get('event_id')}" if body.get("event_id") else None
    if kind in ("block_actions", "view_submission") and body.get("trigger_id"):
        actions = body.get("actions") or [{}]
        return f"{kind[:4]}:{body['trigger_id']}:{actions[0].get('action_ts', '')}"
    if body.get("command") and body.get("trigger_id"):
        return f"cmd:{body['trigger_id']}"
    return None


class Listeners:
    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter
        bolt = adapter.bolt
        bolt.middleware(self.dedup)
        bolt.command(COMMAND)(self.on_command)
        bolt.view(modals.CHOOSE)(self.on_choose)
        bolt.view(modals.NEW)(self.on_new)
        bolt.view(modals.INVITE)(self.on_invite)
        bolt.view(modals.PLAN)(self.on_plan)
        bolt.view(modals.MEETING)(self.on_meeting)
        bolt.view(modals.AWAY)(self.on_away)
        bolt.view(modals.RESOLVE)(self.on_resolve)
        bolt.action(re.compile(f"^{BUTTON_ACTION}"))(self.on_button)
        bolt.action(SUMMARY_TIME_ACTION)(self.on_summary_time)
        bolt.event("app_home_opened")(self.on_home_opened)
        bolt.event("message")(self.on_message)

    # --- plumbing --------------------------------------------------------------------------------

    @property
    def app(self) -> Any:
        assert self.adapter.app is not None, "SlackAdapter used before start()"
        return self.adapter.app

    @property
    def client(self) -> Any:
        return self.adapter.client

    async def dedup(self, body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        key = request_key(body)
        if key is not None:
            def claim(ctx: Ctx) -> bool:
                return insert_ignore(ctx.s, InboundReceipt.__table__, {  # type: ignore[arg-type]
                    "platform": "slack-http", "event_id": key[:128], "received_at": ctx.now},
                    ["platform", "event_id"]) is not None

            if not await self.app.acall(claim):
                log.info("Slack: %s already handled (a retry)", key)
                return BoltResponse(status=200, body="")
        await next()
        return None

    async def tr(self, user_id: str) -> Translator:
        def language(ctx: Ctx) -> str:
            identity = identity_of(ctx, "slack", user_id)
            person = ctx.s.get(Person, identity.person_id) if identity and identity.person_id else None
            return ((person.language if person else None) or (identity.language if identity else None)
                    or ctx.settings.default_language)

        return translator(await self.app.acall(language))

    async def actor(self, user_id: str) -> Actor:
        """The person behind a Slack user; an unknown one is refused (and the refusal audited)."""
        return await self.app.acall(lambda ctx: slack_staff.slack_actor(ctx, user_id), Actor(f"slack:{user_id}"[:64]))

    async def use(self, actor: Actor, fn: Callable[[Ctx], T]) -> T:
        return await self.app.acall(fn, actor)

    @staticmethod
    def problem(tr: Translator, exc: ServiceError) -> str:
        if isinstance(exc, Refused):
            return texts.refused(tr, exc.reason)
        return texts.invalid(tr, exc.message)

    async def ephemeral(self, channel: str | None, user_id: str, text: str) -> None:
        if not channel:
            return
        try:
            await self.client.chat_postEphemeral(channel=channel, user=user_id, text=text)
        except Exception:
            log.exception("Slack: could not post an ephemeral message")

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        try:
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except Exception:
            log.exception("Slack: views.open failed")

    async def publish_home(self, user_id: str) -> None:
        tr = await self.tr(user_id)

        def load(ctx: Ctx) -> home.Home:
            return home.home_for(ctx, slack_staff.slack_actor(ctx, user_id))

        try:
            data: home.Home | None = await self.app.acall(load, Actor(f"slack:{user_id}"[:64]))  # refusals audited
        except Refused:
            data = None
        if data is None:
            view = {"type": "home", "blocks": [{"type": "section", "text": {
                "type": "mrkdwn", "text": texts.refused(tr, "unknown_chat")}}]}
        else:
            view = home_view(translator(data.language), data, self.app.secret)
        try:
            await self.client.views_publish(user_id=user_id, view=view)
        except Exception:
            log.exception("Slack: views.publish failed")

    # --- /familyteam ------------------------------------------------------------------------------

    async def on_command(self, ack: Ack, body: dict[str, Any]) -> None:
        uid, trigger = body["user_id"], body.get("trigger_id", "")
        sub, _, rest = (body.get("text") or "").strip().partition(" ")
        sub, rest = sub.lower(), rest.strip()
        tr = await self.tr(uid)
        if sub in ("", "help"):
            await ack(text=texts.help_text(tr))
            return
        if sub in ROUTER_COMMANDS:
            await ack()
            await self.app.router.handle(Inbound(
                "slack", uid, "command", command="start" if sub == "join" else sub, args=rest,
                display_name=body.get("user_name"), event_id=f"cmd:{trigger}"))
            return
        view: dict[str, Any] | None = None
        try:
            actor = await self.actor(uid)
            if sub == "new":
                await self.use(actor, lambda ctx: slack_staff.require_any_staff(ctx, actor, "family.create"))
                view = modals.new_family(tr)
            elif sub == "away":
                view = modals.away(tr)
            elif sub == "summary":
                at = await self.use(actor, lambda ctx: home.set_summary_time(ctx, actor, rest))
                await ack(text=texts.summary_time_set(tr, at))
                return
            elif sub in FAMILY_COMMANDS:
                mine = await self.use(actor, lambda ctx: slack_staff.require_any_staff(ctx, actor, f"slack.{sub}"))
                chosen = pick_family(mine, rest)
                if rest and chosen is None:
                    await ack(text=texts.family_not_found(tr, escape(rest)))
                    return
                if chosen is None and len(mine) > 1:
                    view = modals.choose_family(tr, [(str(f.id), f.alias) for f in mine], sub,
                                                {"ch": body.get("channel_id")})
                else:
                    fid = (chosen or mine[0]).id
                    if sub == "status":
                        await ack(text=await self.status_text(actor, fid, tr))
                        return
                    view = await self.family_view(sub, actor, fid, tr)
            else:
                await ack(text=texts.help_text(tr))
                return
        except ServiceError as exc:
            await ack(text=self.problem(tr, exc))
            return
        await ack()
        await self.open_view(trigger, view)

    async def status_text(self, actor: Actor, family_id: int, tr: Translator) -> str:
        def load(ctx: Ctx) -> dict[str, Any]:
            families.require_staff(ctx, actor, family_id, "family.status")
            return records.status(ctx, family_id)

        return texts.status_text(tr, _escaped(await self.use(actor, load)))

    async def family_view(self, kind: str, actor: Actor, family_id: int, tr: Translator) -> dict[str, Any]:
        def load(ctx: Ctx) -> dict[str, Any]:
            families.require_staff(ctx, actor, family_id, f"slack.{kind}")
            family = families.get_family(ctx, family_id)
            if kind == "invite":
                return modals.invite(tr, family.id, family.alias)
            if kind == "meeting":
                members = slack_staff.network_members(ctx, actor, family.id, active_only=True)
                today = ctx.now.astimezone(ZoneInfo(family.timezone)).date()
                return modals.meeting(tr, family.id, family.alias, [k.value for k in MeetingKind],
                                      [(str(m.id), m.name) for m in members], today)
            latest = latest_version(ctx, family.id)
            names = [m.name for m in slack_staff.network_members(ctx, actor, family.id)]
            return modals.plan(tr, family.id, family.alias, latest.number if latest else None,
                               latest.content if latest else {}, names)

        return await self.use(actor, load)

    # --- modal submissions -------------------------------------------------------------------------

    async def on_choose(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        uid = body["user"]["id"]
        tr = await self.tr(uid)
        meta = modals.meta_of(view)
        then = meta.get("then", "")
        try:
            actor = await self.actor(uid)
            fid = int(modals.value(view["state"]["values"], "family") or 0)
            if then == "status":
                text = await self.status_text(actor, fid, tr)
                await ack()
                await self.ephemeral(meta.get("ch"), uid, text)
                return
            if then not in FAMILY_COMMANDS:
                await ack()
                return
            new_view = await self.family_view(then, actor, fid, tr)
        except ServiceError as exc:
            await ack(response_action="errors", errors={"family": self.problem(tr, exc)[:150]})
            return
        await ack(response_action="update", view=new_view)

    async def on_new(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        uid = body["user"]["id"]
        tr = await self.tr(uid)
        state = view["state"]["values"]
        days = modals.value(state, "work_days") or []
        if not days:
            await ack(response_action="errors", errors={"work_days": texts.new_family(tr)["no_days"]})
            return
        supervisor, duty = modals.value(state, "supervisor"), modals.value(state, "duty")
        try:
            actor = await self.actor(uid)
            alias, fid = await self.use(actor, lambda ctx: _created(slack_staff.create_family_from_slack(
                ctx, actor, uid, alias=modals.value(state, "alias") or "",
                timezone=(modals.value(state, "timezone") or "").strip(),
                language=modals.value(state, "language") or "en", work_start=modals.value(state, "work_start"),
                work_end=modals.value(state, "work_end"), work_days=",".join(days),
                supervisor=f"slack:{supervisor}" if supervisor else None, duty=f"slack:{duty}" if duty else None)))
        except ServiceError as exc:
            block = {"bad_timezone": "timezone", "bad_hours": "work_start", "bad_language": "language"}.get(
                exc.reason, "alias")
            await ack(response_action="errors", errors={block: self.problem(tr, exc)[:150]})
            return
        await ack(response_action="update", view=modals.result_view(
            tr, texts.new_family(tr)["title"], [texts.family_created(tr, escape(alias), fid)]))
        await self.publish_home(uid)

    async def on_invite(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        uid = body["user"]["id"]
        tr = await self.tr(uid)
        state, meta = view["state"]["values"], modals.meta_of(view)
        how, slack_user = modals.value(state, "how"), modals.value(state, "slack_user")
        if how == "slack" and not slack_user:
            await ack(response_action="errors", errors={"slack_user": texts.invite(tr)["slack_user_missing"]})
            return
        name = modals.value(state, "name") or ""
        try:
            actor = await self.actor(uid)

            def run(ctx: Ctx) -> tuple[slack_staff.SlackInvite, str]:
                made = slack_staff.invite(ctx, actor, int(meta.get("f", 0)), name, modals.value(state, "role") or "",
                                          slack_user if how == "slack" else None)
                return made, families.get_family(ctx, int(meta["f"])).alias

            made, alias = await self.use(actor, run)
        except ServiceError as exc:
            block = "slack_user" if exc.reason == "is_staff" else "role" if exc.reason == "bad_role" else "name"
            await ack(response_action="errors", errors={block: self.problem(tr, exc)[:150]})
            return
        link = await self.telegram_link(made.code) if not made.sent_to else None
        lines = texts.invite_done(tr, escape(" ".join(name.split())), escape(alias), made.code, link, made.sent_to,
                                  self.app.settings.invite_ttl_hours)
        await ack(response_action="update", view=modals.result_view(tr, texts.invite(tr)["title"], lines))

    async def telegram_link(self, code: str) -> str | None:
        links = self.adapter.invite_links
        if links is None:
            return None
        try:
            # Slack wants its answer within 3 s: a slow Telegram must not cost the caseworker the code.
            return await asyncio.wait_for(links.invite_link(code), timeout=1.5)
        except Exception:  # Telegram unreachable: the code alone still works
            log.warning("could not build the Telegram invite link", exc_info=True)
            return None

    async def on_plan(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        uid = body["user"]["id"]
        tr = await self.tr(uid)
        fid = int(modals.meta_of(view).get("f", 0))
        try:
            actor = await self.actor(uid)

            def run(ctx: Ctx) -> Any:
                families.require_staff(ctx, actor, fid, "plan.apply")
                latest = latest_version(ctx, fid)
                if (latest.number if latest else 0) != int(modals.meta_of(view).get("v", 0)):
                    # Someone saved a new version while this editor was open: never overwrite it unseen.
                    return {"reason": texts.plan_changed_meanwhile(tr)}
                spec, reason, errors = modals.read_plan(tr, view, latest.content if latest else {})
                if spec is None:
                    return errors
                result = apply_plan_spec(ctx, actor, fid, spec, reason)
                alias = families.get_family(ctx, fid).alias
                return texts.plan_saved(tr, escape(alias), result.version, result.changed,
                                        [escape(n) for n in result.told], result.uncovered)

            outcome = await self.use(actor, run)
        except ServiceError as exc:
            await ack(response_action="errors", errors={"reason": self.problem(tr, exc)[:150]})
            return
        if isinstance(outcome, dict):
            await ack(response_action="errors", errors=outcome)
            return
        await ack(response_action="update", view=modals.result_view(tr, texts.plan(tr)["title"], [outcome]))

    async def on_meeting(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        uid = body["user"]["id"]
        tr = await self.tr(uid)
        state, fid = view["state"]["values"], int(modals.meta_of(view).get("f", 0))
        invitees = [int(i) for i in modals.value(state, "invitees") or []]
        try:
            actor = await self.actor(uid)
            starts = modals.local_datetime(modals.value(state, "date"), modals.value(state, "time"))

            def run(ctx: Ctx) -> str:
                m = slack_staff.schedule_meeting(ctx, actor, fid, modals.value(state, "kind") or "", starts,
                                                 modals.value(state, "place") or "", invitees)
                family = ctx.s.get_one(Family, fid)
                return texts.meeting_scheduled(tr, m.kind, escape(family.alias),
                                               tr.when(m.starts_at, family.timezone), len(invitees))

            text = await self.use(actor, run)
        except (ServiceError, TypeError, ValueError) as exc:
            message = self.problem(tr, exc) if isinstance(exc, ServiceError) else str(exc)
            await ack(response_action="errors", errors={"date": message[:150]})
            return
        await ack(response_action="update", view=modals.result_view(tr, texts.meeting(tr)["title"], [text]))

    async def on_away(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        uid = body["user"]["id"]
        tr = await self.tr(uid)
        state = view["state"]["values"]
        until_day, cover = modals.value(state, "until"), modals.value(state, "cover")
        if cover == uid:
            await ack(response_action="errors", errors={"cover": texts.refused(tr, "not_self")})
            return
        try:
            actor = await self.actor(uid)

            def run(ctx: Ctx) -> str | None:
                mine = slack_staff.staff_families(ctx, actor.person_id or 0)
                tz = mine[0].timezone if mine else "UTC"
                until = (datetime.combine(date.fromisoformat(until_day), datetime.min.time(), ZoneInfo(tz))
                         if until_day else None)
                if until is not None and until <= ctx.now:
                    raise InvalidInput("in_past", "choose a day in the future")
                families.set_away(ctx, actor, f"slack:{uid}", until, f"slack:{cover}" if cover and until else None)
                return tr.when(until, tz).rsplit(",", 1)[0] if until else None

            shown = await self.use(actor, run)
        except ServiceError as exc:
            await ack(response_action="errors", errors={"until": self.problem(tr, exc)[:150]})
            return
        await ack(response_action="update", view=modals.result_view(
            tr, texts.away(tr)["title"], [texts.away_set(tr, shown, bool(cover))]))

    async def on_resolve(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        uid = body["user"]["id"]
        tr = await self.tr(uid)
        esc_id = int(modals.meta_of(view).get("e", 0))
        note = modals.value(view["state"]["values"], "note") or ""
        try:
            actor = await self.actor(uid)
            await self.use(actor, lambda ctx: escalations.resolve(ctx, actor, esc_id, note))
        except ServiceError as exc:
            await ack(response_action="errors", errors={"note": self.problem(tr, exc)[:150]})
            return
        await ack()
        await self.publish_home(uid)

    # --- buttons -----------------------------------------------------------------------------------

    async def on_button(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        uid = body["user"]["id"]
        action = (body.get("actions") or [{}])[0]
        value = str(action.get("value") or "")
        channel = (body.get("channel") or {}).get("id")
        data = buttons.verify(self.app.secret, value)
        if data is not None and data.action in ("ea", "er") and data.args and data.args[0].isdigit():
            await self.staff_button(uid, data.action, int(data.args[0]), channel, body)
            return
        await self.app.router.handle(Inbound(
            "slack", uid, "button", data=value, display_name=(body["user"].get("name") or None),
            event_id=f"act:{body.get('trigger_id') or ''}:{action.get('action_ts', '')}"))

    async def staff_button(self, uid: str, what: str, esc_id: int, channel: str | None, body: dict[str, Any]) -> None:
        """Acknowledge / Resolve: refusals are ephemeral; resolving asks for a note in a modal."""
        tr = await self.tr(uid)
        in_home = (body.get("view") or {}).get("type") == "home"
        try:
            actor = await self.actor(uid)
            if what == "ea":
                done = await self.use(actor, lambda ctx: escalations.acknowledge(ctx, actor, esc_id))
                await self.ephemeral(channel, uid, texts.ack_done(tr) if done else texts.already_handled(tr))
            else:
                def check(ctx: Ctx) -> str | None:
                    esc = escalations.get_escalation(ctx, esc_id)
                    families.require_staff(ctx, actor, esc.family_id, "escalation.resolve")
                    if esc.state == "resolved":
                        return None
                    return escalations.alert_message(ctx, tr, esc, actor.person_id or 0).title or ""

                title = await self.use(actor, check)
                if title is None:
                    await self.ephemeral(channel, uid, texts.already_handled(tr))
                else:
                    await self.open_view(body.get("trigger_id", ""), modals.resolve(tr, esc_id, escape(title)))
        except (Refused, NotFound, InvalidInput) as exc:
            await self.ephemeral(channel, uid, self.problem(tr, exc))
        if in_home:
            await self.publish_home(uid)

    async def on_summary_time(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        uid = body["user"]["id"]
        at = (body.get("actions") or [{}])[0].get("selected_time") or ""
        try:
            actor = await self.actor(uid)
            await self.use(actor, lambda ctx: home.set_summary_time(ctx, actor, at))
        except ServiceError:
            pass
        await self.publish_home(uid)

    # --- events ------------------------------------------------------------------------------------

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            await self.publish_home(event["user"])

    async def on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("bot_id") or not event.get("user") or event.get("subtype") not in (None, "file_share",
                                                                                          "thread_broadcast"):
            return  # our own messages, edits, joins: nothing to answer (a shared file or photo is answered)
        await self.app.router.handle(Inbound(
            "slack", event["user"], "text", text=event.get("text") or "",
            private=event.get("channel_type") == "im", event_id=f"ev:{body.get('event_id') or event.get('ts')}"))


def pick_family(mine: list[slack_staff.StaffFamily], arg: str) -> slack_staff.StaffFamily | None:
    if not arg:
        return mine[0] if len(mine) == 1 else None
    if arg.isdigit():
        return next((f for f in mine if f.id == int(arg)), None)
    key = arg.casefold()
    exact = [f for f in mine if f.alias.casefold() == key]
    if exact:
        return exact[0]
    partial = [f for f in mine if key in f.alias.casefold()]
    return partial[0] if len(partial) == 1 else None


def _created(family: Family) -> tuple[str, int]:
    return family.alias, family.id


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value
