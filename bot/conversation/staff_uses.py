"""One handler per staff intent (bot/conversation/staff_intents.py), run by the staff door in its
transaction. Each returns an Outcome; a ServiceError raised here is audited and shown by the door."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from bot.conversation import buttons, replies
from bot.conversation import staff_intents as i
from bot.domain.vocabulary import MeetingKind
from bot.services import escalations, families, home, lifecycle, plan_drafts, records, staff, staff_replies
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput, NotFound, ServiceError
from bot.services.people import known_identity
from bot.services.plan_editor import edited_content
from bot.services.plans import apply_plan_spec, latest_version
from messages import forms as texts
from messages import lifecycle as ending
from messages import relay as relay_texts
from messages.catalog import Translator

Outcome = i.Outcome


@dataclass
class Asker:
    ctx: Ctx
    tr: Translator
    actor: Actor
    platform: str
    user_id: str
    event_id: str | None = None

    @property
    def address(self) -> str:
        return f"{self.platform}:{self.user_id}"

    def out(self, *lines: str, value: Any = None) -> Outcome:
        return Outcome(self.tr.language, list(lines), value)


def field_for(intent: i.Intent, exc: ServiceError) -> str:
    return intent.FIELDS.get(exc.reason, intent.FIELD)


# --- reading --------------------------------------------------------------------------------------

def hello(a: Asker, _: i.Hello | i.Language) -> Outcome:
    return a.out()


def can_create_family(a: Asker, _: i.CanCreateFamily) -> Outcome:
    staff.require_any_staff(a.ctx, a.actor, "family.create")
    return a.out()


def pick_family(mine: list[staff.StaffFamily], name: str) -> staff.StaffFamily | None:
    if not name:
        return mine[0] if len(mine) == 1 else None
    if name.isdigit():
        return next((f for f in mine if f.id == int(name)), None)
    key = name.casefold()
    exact = [f for f in mine if f.alias.casefold() == key]
    if exact:
        return exact[0]
    partial = [f for f in mine if key in f.alias.casefold()]
    return partial[0] if len(partial) == 1 else None


def family_task(a: Asker, intent: i.FamilyTask) -> Outcome:
    mine = staff.require_any_staff(a.ctx, a.actor, f"staff.{intent.then}")
    chosen = pick_family(mine, intent.name)
    if intent.name and chosen is None:
        return a.out(texts.family_not_found(a.tr, intent.name))
    if chosen is None and len(mine) > 1:
        return a.out(value=i.FamilyChoice(intent.then, [(f.id, f.alias) for f in mine]))
    return family_form(a, i.FamilyForm(intent.then, (chosen or mine[0]).id))


def family_form(a: Asker, intent: i.FamilyForm) -> Outcome:
    ctx, fid = a.ctx, intent.family_id
    if intent.then == "status":
        families.require_staff(ctx, a.actor, fid, "family.status")
        return a.out(value=i.Status(records.status(ctx, fid)))
    families.require_staff(ctx, a.actor, fid, f"staff.{intent.then}")
    family = families.get_family(ctx, fid)
    if intent.then == "invite":
        return a.out(value=i.InviteForm(family.id, family.alias))
    if intent.then == "meeting":
        members = staff.network_members(ctx, a.actor, family.id, active_only=True)
        today = ctx.now.astimezone(ZoneInfo(family.timezone)).date()
        return a.out(value=i.MeetingForm(family.id, family.alias, [k.value for k in MeetingKind],
                                         [(m.id, m.name) for m in members], today))
    if intent.then == "plan":
        latest = latest_version(ctx, family.id)
        return a.out(value=_plan_form(a, plan_drafts.open_draft(ctx, a.actor, family.id, latest)))
    return a.out()


def _plan_form(a: Asker, draft: plan_drafts.Draft) -> i.PlanForm:
    family = families.get_family(a.ctx, draft.family_id)
    latest = latest_version(a.ctx, family.id)
    names = [m.name for m in staff.network_members(a.ctx, a.actor, family.id)]
    return i.PlanForm(family.id, family.alias, draft.base_version or None, latest.content if latest else {}, names,
                      draft.id, draft.bottom_lines, draft.commitments)


def _gone(a: Asker, field: str) -> Outcome:
    """The draft was saved, expired or is someone else's: open the plan again."""
    return Outcome(a.tr.language, errors={field: texts.plan(a.tr)["draft_gone"]})


def plan_item_form(a: Asker, intent: i.PlanItemForm) -> Outcome:
    draft = plan_drafts.find_draft(a.ctx, a.actor, intent.draft_id)
    if draft is None:
        return _gone(a, intent.FIELD)
    families.require_staff(a.ctx, a.actor, draft.family_id, "staff.plan")
    names = [m.name for m in staff.network_members(a.ctx, a.actor, draft.family_id)]
    line, commitment = draft.line(intent.ref), draft.commitment(intent.ref)
    items: list[Any] = draft.commitments if intent.kind == "commitment" else draft.bottom_lines
    number = next((n for n, x in enumerate(items, 1) if x.ref == intent.ref), 0)
    return a.out(value=i.PlanItem(draft.id, intent.kind, number, line, commitment, names, draft.guards()))


def home_view(a: Asker, _: i.HomeView) -> Outcome:
    return a.out(value=home.home_for(a.ctx, a.actor))


def resolve_form(a: Asker, intent: i.ResolveForm) -> Outcome:
    """(escalation id, title) when the data is a Resolve button this person may use now; else no value (the
    press then goes through the conversation router, which answers and audits like on every platform)."""
    pressed = buttons.read(a.ctx.secret, intent.data)
    if a.actor.person_id is None or pressed is None or pressed.action != buttons.ButtonAction.RESOLVE:
        return a.out()
    try:
        if not replies.may_resolve(a.ctx, a.actor, pressed.number(0)):
            return a.out()
    except ServiceError:
        return a.out()
    title = escalations.alert_title(a.ctx, a.tr, pressed.number(0), a.actor.person_id or 0)
    return a.out(value=(pressed.number(0), title or ""))


# --- doing ----------------------------------------------------------------------------------------

def new_family(a: Asker, intent: i.NewFamily) -> Outcome:
    if not intent.work_days:
        return Outcome(a.tr.language, errors={"work_days": texts.new_family(a.tr)["no_days"]})
    family = staff.create_family_as_staff(
        a.ctx, a.actor, a.address, alias=intent.alias, timezone=intent.timezone.strip(), language=intent.language,
        work_start=intent.work_start, work_end=intent.work_end, work_days=",".join(intent.work_days),
        supervisor=f"{a.platform}:{intent.supervisor}" if intent.supervisor else None,
        duty=f"{a.platform}:{intent.duty}" if intent.duty else None)
    return a.out(texts.family_created(a.tr, family.alias, family.id), value=family.id)


@dataclass(frozen=True)
class Invited:
    name: str
    alias: str
    code: str
    sent_to: str | None
    ttl_hours: int


def invite(a: Asker, intent: i.Invite) -> Outcome:
    made = staff.invite(a.ctx, a.actor, intent.family_id, intent.name, intent.role, a.platform, intent.chat_user,
                        intent.language, discreet=intent.discreet)
    alias = families.get_family(a.ctx, intent.family_id).alias
    return a.out(value=Invited(" ".join(intent.name.split()), alias, made.code, made.sent_to,
                               a.ctx.settings.invite_ttl_hours))


def edit_plan_item(a: Asker, intent: i.EditPlanItem) -> Outcome:
    draft = plan_drafts.find_draft(a.ctx, a.actor, intent.draft_id)
    if draft is None:
        return _gone(a, intent.FIELD)
    families.require_staff(a.ctx, a.actor, draft.family_id, "staff.plan")
    latest = latest_version(a.ctx, draft.family_id)
    draft, problems = plan_drafts.put_item(a.ctx, a.actor, draft.id, intent.item, latest.content if latest else {})
    if problems:
        t = texts.plan(a.tr)
        return Outcome(a.tr.language, errors={f: t.get(code, code) for f, code in problems.items()})
    return a.out(value=_plan_form(a, draft))


def edit_plan(a: Asker, intent: i.EditPlan) -> Outcome:
    ctx, fid = a.ctx, intent.family_id
    families.require_staff(ctx, a.actor, fid, "plan.apply")
    edit, draft = intent.edit, None
    if intent.draft_id:
        draft = plan_drafts.find_draft(ctx, a.actor, intent.draft_id)
        if draft is None:
            return _gone(a, intent.FIELD)
        edit = replace(edit, bottom_lines=draft.bottom_lines, commitments=draft.commitments)
    latest = latest_version(ctx, fid)
    if (latest.number if latest else 0) != intent.version or (draft and draft.family_id != fid):
        # Someone saved a new version while this editor was open: never overwrite it unseen.
        return Outcome(a.tr.language, errors={"reason": texts.plan_changed_meanwhile(a.tr)})
    edited = edited_content(latest.content if latest else {}, edit)
    if edited.spec is None:
        t = texts.plan(a.tr)
        problems = {f: t.get(code, code) for f, code in edited.problems.items()}
        return Outcome(a.tr.language, errors=_on_overview(a.tr, problems, draft) if draft else problems)
    result = apply_plan_spec(ctx, a.actor, fid, edited.spec, edit.reason.strip())
    if draft:
        plan_drafts.drop_draft(ctx, a.actor, draft.id)
    alias = families.get_family(ctx, fid).alias
    return a.out(texts.plan_saved(a.tr, alias, result.version, result.changed, result.told, result.uncovered))


OVERVIEW_FIELDS = ("contingency", "avoid", "reason")


def _on_overview(tr: Translator, problems: dict[str, str], draft: plan_drafts.Draft) -> dict[str, str]:
    """Problems with single items, shown on the overview's reason field: each problem once, with the places of
    the items it is about."""
    out = {f: p for f, p in problems.items() if f in OVERVIEW_FIELDS}
    grouped: dict[tuple[str, str], list[int]] = {}
    for f, problem in problems.items():
        if f not in OVERVIEW_FIELDS:
            kind, n = _item_at(draft, f)
            grouped.setdefault((kind, problem), []).append(n)
    named = [texts.plan_items_problem(tr, kind, numbers, problem) for (kind, problem), numbers in grouped.items()]
    if named:
        out["reason"] = " ".join([*named, *([out["reason"]] if "reason" in out else [])])
    return out


def _item_at(draft: plan_drafts.Draft, field: str) -> tuple[str, int]:
    for n, b in enumerate(draft.bottom_lines, 1):
        if field == b.ref:
            return "bottom_line", n
    for n, c in enumerate(draft.commitments, 1):
        if field.startswith(f"{c.ref}_"):
            return "commitment", n
    return "commitment", 0


def schedule_meeting(a: Asker, intent: i.ScheduleMeeting) -> Outcome:
    m = staff.schedule_meeting(a.ctx, a.actor, intent.family_id, intent.kind, intent.starts_local, intent.place,
                               intent.invitees)
    family = families.get_family(a.ctx, intent.family_id)
    return a.out(texts.meeting_scheduled(a.tr, m.kind, family.alias, a.tr.when(m.starts_at, family.timezone),
                                         len(intent.invitees)))


def away(a: Asker, intent: i.Away) -> Outcome:
    if intent.cover == a.user_id:
        return Outcome(a.tr.language, errors={"cover": texts.refused(a.tr, "not_self")})
    cover = f"{a.platform}:{intent.cover}" if intent.cover else None
    until = staff.set_away_until_day(a.ctx, a.actor, a.address, intent.until, cover)
    shown = a.tr.when(until, staff.away_timezone(a.ctx, a.actor)).rsplit(",", 1)[0] if until else None
    return a.out(texts.away_set(a.tr, shown, bool(intent.cover)))


def resolve(a: Asker, intent: i.Resolve) -> Outcome:
    """The note written in a form: the same use case and reply as a note typed after the Resolve prompt."""
    identity = known_identity(a.ctx, a.platform, a.user_id)
    key = f"in:{a.platform}:{a.event_id or a.ctx.now.timestamp()}"
    replies.resolve(a.ctx, identity, a.actor, intent.escalation_id, intent.note, key)
    return a.out()


def reply(a: Asker, intent: i.Reply) -> Outcome:
    """A member of staff answers a member (a form, `/familyteam reply <family>: <words>`, the scenario kit)."""
    message_id = intent.message_id
    if message_id is None:
        mine = staff.require_any_staff(a.ctx, a.actor, "relay.reply")
        chosen = pick_family(mine, intent.family)
        if chosen is None:
            raise NotFound("no_family", texts.family_not_found(a.tr, intent.family or "?"))
        row = staff_replies.latest_member_message(a.ctx, chosen.id)
        if row is None:
            raise InvalidInput("nothing_to_answer", "nobody in this family's network has written yet")
        message_id = row.id
    done = staff_replies.reply_to_member(a.ctx, a.actor, message_id, intent.text, intent.sign)
    return a.out(relay_texts.reply_sent(a.tr, done.member).text)


def set_summary_time(a: Asker, intent: i.SetSummaryTime) -> Outcome:
    at = home.set_summary_time(a.ctx, a.actor, intent.at)
    return a.out(texts.summary_time_set(a.tr, at))


def close_family(a: Asker, intent: i.CloseFamily) -> Outcome:
    """`/familyteam close FAMILY`: the family must be named, so a slip never closes the only one."""
    mine = staff.require_any_staff(a.ctx, a.actor, "family.close")
    chosen = pick_family(mine, intent.name) if intent.name.strip() else None
    if chosen is None:
        return Outcome(a.tr.language, errors={intent.FIELD: ending.close_needs_family(a.tr, intent.name)})
    closed = lifecycle.close_family(a.ctx, a.actor, chosen.id)
    return a.out(ending.closed_reply(a.tr, closed.alias, closed.members_told, f"{closed.erase_at:%Y-%m-%d}",
                                     closed.family_id))


HANDLERS: dict[type[i.Intent], Callable[[Asker, Any], Outcome]] = {
    i.Hello: hello, i.Language: hello, i.CanCreateFamily: can_create_family, i.FamilyTask: family_task,
    i.FamilyForm: family_form,
    i.HomeView: home_view, i.ResolveForm: resolve_form, i.NewFamily: new_family, i.Invite: invite,
    i.EditPlan: edit_plan, i.PlanItemForm: plan_item_form, i.EditPlanItem: edit_plan_item,
    i.ScheduleMeeting: schedule_meeting, i.Away: away, i.Resolve: resolve,
    i.SetSummaryTime: set_summary_time, i.Reply: reply, i.CloseFamily: close_family,
}


def run(asker: Asker, intent: i.Intent) -> Outcome:
    handler = HANDLERS.get(type(intent))
    if handler is None:
        raise InvalidInput("unknown_intent", type(intent).__name__)
    return handler(asker, intent)
