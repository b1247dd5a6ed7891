"""The member commands: one table, read by the router (what runs), the help text, the Telegram menu and
Slack's member subcommands (`/familyteam mine`, `/familyteam join CODE`, ...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.conversation.buttons import ButtonAction, make
from bot.services import erasure, invites, meetings, membership, notify, people, plans
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput
from bot.services.families import check_timezone
from messages import commands as words
from messages import lifecycle, render
from messages import members as member_texts
from messages.catalog import SUPPORTED_LANGUAGES, Translator
from messages.outbound import OutboundMessage
from storage.models import ChatIdentity, Checkin, Commitment, Family, Membership, Person


@dataclass
class Call:
    ctx: Ctx
    identity: ChatIdentity
    actor: Actor
    args: str
    key: str

    def reply(self, build: Callable[[Translator], OutboundMessage]) -> None:
        notify.to_identity(self.ctx, self.identity, build, key=self.key)

    def person(self) -> Person:
        assert self.actor.person_id is not None
        return self.ctx.s.get_one(Person, self.actor.person_id)


@dataclass(frozen=True)
class Command:
    name: str
    run: Callable[[Call], None]
    example: str = ""  # the arguments the help shows
    help: bool = True  # listed in the help text
    menu: bool = False  # in Telegram's menu
    slack: str | None = None  # the `/familyteam` subcommand a Slack member uses, if any


def start(call: Call) -> None:
    """/start CODE (Slack: join CODE): the consent request for an invite. Anyone may send it."""
    ctx, identity, code = call.ctx, call.identity, call.args
    if not code:
        call.reply(render.start_without_code)
        return
    check = invites.check_invite(ctx, code, identity.platform, identity.external_id)
    if check.problem == "quiet":
        return  # told to wait already in this window
    if check.problem or check.invite is None or check.family is None:
        problem = check.problem or "unknown"
        call.reply(lambda tr: render.invite_problem(tr, problem))
        return
    alias = check.family.alias
    agree = make(ctx.secret, ButtonAction.CONSENT, check.invite.id, "y")
    decline = make(ctx.secret, ButtonAction.CONSENT, check.invite.id, "n")
    # A member moving to a new chat (re-invited) is asked in their own language.
    person_id = identity.person_id or (check.membership.person_id if check.membership else None)
    person = ctx.s.get(Person, person_id) if person_id else None
    notify.to_identity(ctx, identity, lambda tr: render.consent_request(tr, alias, agree, decline),
                       key=call.key, family=check.family,
                       language=invites.consent_language(check.invite, identity, person),
                       discreet=check.invite.discreet)


def mine(call: Call) -> None:
    ctx, person = call.ctx, call.person()
    for m in ctx.s.scalars(select(Membership).where(Membership.person_id == person.id,
                                                    Membership.state == "active")):
        family = ctx.s.get_one(Family, m.family_id)
        plans.send_commitments(ctx, m, family, changed=False, key=f"{call.key}:mine:{m.id}")
    first = ctx.s.scalar(select(Family).join(Membership, Membership.family_id == Family.id)
                         .where(Membership.person_id == person.id).limit(1))
    tz = notify.person_timezone(person, first)
    day = ctx.now.astimezone(ZoneInfo(tz)).replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    items = [(c.due_at, q, c.state) for c, q in ctx.s.execute(
        select(Checkin, Commitment.question).join(Commitment, Commitment.id == Checkin.commitment_id)
        .join(Membership, Membership.id == Commitment.owner_membership_id)
        .where(Membership.person_id == person.id, Checkin.due_at >= day,
               Checkin.due_at < day + timedelta(days=1)).order_by(Checkin.due_at))]
    notify.to_identity(ctx, call.identity, lambda tr: render.today_checkins(
        tr, [(tr.time(d, tz), q, st) for d, q, st in items]), key=f"{call.key}:today")


def next_meeting(call: Call) -> None:
    person = call.person()
    found = meetings.next_meeting_for(call.ctx, person.id)
    if found is None:
        call.reply(lambda tr: render.next_meeting(tr, None, None, None))
        return
    m, fam = found
    tz = notify.person_timezone(person, fam)
    call.reply(lambda tr: render.next_meeting(tr, m.kind, tr.when(m.starts_at, tz), m.place))


def stop(call: Call) -> None:
    """/stop (or "stop" in words): asked first, left only on "Yes, leave" (bot.conversation.presses.leave)."""
    families = membership.networks_of(call.ctx, call.person().id)
    if not families:
        call.reply(member_texts.not_in_network)
        return
    aliases = [f.alias for f in families]
    yes, no = (make(call.ctx.secret, ButtonAction.LEAVE, answer) for answer in ("y", "n"))
    call.reply(lambda tr: member_texts.stop_confirm(tr, aliases, yes, no))


def forget(call: Call) -> None:
    """/forget after /stop: the member's name, answers, notes and chat address are erased."""
    erased = erasure.forget(call.ctx, call.actor)
    call.reply(lifecycle.forget_needs_stop if erased is None else
               lifecycle.forgotten if erased else lifecycle.nothing_to_forget)


def language(call: Call) -> None:
    if call.args in SUPPORTED_LANGUAGES:
        people.set_language(call.ctx, call.actor, call.args)
        call.reply(render.language_set)
        return
    data = {lang: make(call.ctx.secret, ButtonAction.LANGUAGE, lang) for lang in SUPPORTED_LANGUAGES}
    call.reply(lambda tr: render.language_choice(tr, data))


def quiet(call: Call) -> None:
    try:
        start_at, end_at = people.set_quiet(call.ctx, call.actor, call.args)
    except InvalidInput:
        call.reply(render.quiet_help)
        return
    call.reply(partial(render.quiet_set, start=start_at, end=end_at))


def timezone(call: Call) -> None:
    try:
        zone = people.set_timezone(call.ctx, call.actor, check_timezone(call.args.strip()))
    except InvalidInput:
        call.reply(render.timezone_help)
        return
    call.reply(partial(render.timezone_set, zone=zone))


def discreet(call: Call) -> None:
    on = people.set_discreet(call.ctx, call.actor, call.args)
    call.reply(partial(render.discreet_set, on=on))


def pause(call: Call) -> None:
    until = people.pause(call.ctx, call.actor, call.args)
    tz = notify.person_timezone(call.person(), None)
    call.reply(lambda tr: render.paused(tr, tr.when(until, tz)))


def help_command(call: Call) -> None:
    call.reply(help_message)


TABLE: tuple[Command, ...] = (
    Command("start", start, help=False, slack="join"),
    Command("mine", mine, menu=True, slack="mine"),
    Command("next", next_meeting, menu=True, slack="next"),
    Command("language", language, menu=True, slack="language"),
    Command("pause", pause, menu=True, slack="pause"),
    Command("quiet", quiet, example="21:00-08:00"),
    Command("timezone", timezone, example="Europe/Madrid"),
    Command("discreet", discreet, slack="discreet"),
    Command("stop", stop, menu=True, slack="stop"),
    Command("forget", forget, slack="forget"),
    Command("help", help_command, help=False, menu=True),
)
BY_NAME = {c.name: c for c in TABLE}
MENU = tuple(c.name for c in TABLE if c.menu)
SLACK = {c.slack: c.name for c in TABLE if c.slack}  # Slack subcommand -> command


def help_message(tr: Translator) -> OutboundMessage:
    return words.help_text(tr, [(c.name, c.example) for c in TABLE if c.help])


def run(call: Call, name: str) -> None:
    """Run a member command by name; anything unknown gets the help."""
    BY_NAME.get(name, BY_NAME["help"]).run(call)
