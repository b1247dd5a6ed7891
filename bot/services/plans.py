"""The plan: applying a plan file makes a new version; members hear only about their own commitments."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update

from bot.domain.avoid import is_avoided
from bot.domain.schedule import localize, occurrences
from bot.domain.text import clean_text
from bot.domain.vocabulary import CheckinState, JobKind, MembershipState, OutboxPurpose
from bot.planfile import CommitmentSpec, MeetingSpec, PlanFileError, PlanSpec, error_at, parse_plan
from bot.services import audit, jobs, notify, protected, reviews
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput
from bot.services.families import get_family, require_open, require_staff
from bot.services.meetings import upsert_meetings
from messages import render
from storage.models import BottomLine, Checkin, Commitment, Family, Membership, Person, PlanVersion


@dataclass
class ApplyResult:
    changed: bool
    version: int
    told: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)


def latest_version(ctx: Ctx, family_id: int) -> PlanVersion | None:
    return ctx.s.scalar(select(PlanVersion).where(PlanVersion.family_id == family_id)
                        .order_by(PlanVersion.number.desc()).limit(1))


GONE = (MembershipState.LEFT, MembershipState.DECLINED)  # not in the network, but may still own a commitment


def _check_names(ctx: Ctx, family: Family, spec: PlanSpec, text: str) -> dict[str, Membership]:
    members = {m.name.casefold(): m for m in ctx.s.scalars(select(Membership).where(
        Membership.family_id == family.id, Membership.state.in_([MembershipState.ACTIVE, MembershipState.INVITED,
                                                                 *GONE])))}
    for i, name in enumerate(spec.people_to_avoid):
        m = members.get(name.casefold())
        if m is not None and m.state not in GONE:
            raise error_at(text, ("people_to_avoid", i), f"{name} is in the network; remove them first "
                                                         "(familyteam member remove) before listing them here")
    for i, c in enumerate(spec.commitment):
        m = members.get(c.member.casefold())
        if m is not None and is_avoided(m.name, spec.people_to_avoid):
            raise error_at(text, ("commitment", i, "member"), f"{c.member!r} is on the people-to-avoid list")
        # A member who left (or said no) may still own a commitment: it stays uncovered until someone takes it on.
        if m is None or m.role in ("caseworker", "supervisor", "duty"):
            raise error_at(text, ("commitment", i, "member"), f"{c.member!r} is not an invited network member "
                                                              "(invite them first: familyteam invite create)")
    for i, meeting in enumerate(spec.meeting):
        for name in meeting.invite:
            if name.casefold() not in members or members[name.casefold()].state in GONE:
                raise error_at(text, ("meeting", i, "invite"), f"{name!r} is not in the network")
            if is_avoided(name, spec.people_to_avoid):
                raise error_at(text, ("meeting", i, "invite"), f"{name!r} is on the people-to-avoid list")
    return members


def member_facing(spec: PlanSpec) -> list[tuple[str, str]]:
    """The plan's texts that reach members, named as staff know them (bottom lines and the contingency plan
    are for staff only)."""
    fields = [(f"commitment {c.key!r} {part}", text) for c in spec.commitment
              for part, text in (("text", c.text), ("question", c.question or ""))]
    return fields + [(f"meeting {m.stable_key!r} place", m.place) for m in spec.meeting]


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _snapshot(c: Commitment) -> tuple[Any, ...]:
    return (c.owner_membership_id, c.text, c.question, c.rrule, c.grace_minutes, c.bottom_line_id, c.active)


def apply_plan(ctx: Ctx, actor: Actor, family_id: int, text: str, reason: str = "") -> ApplyResult:
    """Apply a TOML plan file (docs/plan-file.md)."""
    family = get_family(ctx, family_id)
    require_staff(ctx, actor, family.id, "plan.apply")
    text = clean_text(text)  # no bidirectional controls in any plan text (bot.domain.text)
    try:
        spec = parse_plan(text)
    except PlanFileError as exc:
        raise InvalidInput("bad_plan", str(exc), family_id=family.id) from exc
    return apply_plan_spec(ctx, actor, family_id, spec, reason, source=text)


def apply_plan_spec(ctx: Ctx, actor: Actor, family_id: int, spec: PlanSpec, reason: str = "",
                    source: str = "") -> ApplyResult:
    """Apply a checked plan (from a file, or built by the Slack plan editor). An unchanged plan does nothing;
    a changed one becomes a new version with its author and reason."""
    family = get_family(ctx, family_id)
    require_staff(ctx, actor, family.id, "plan.apply")
    require_open(ctx, family.id)
    spec = _cleaned(family, spec)
    content = spec.canonical()
    digest = content_hash(content)
    latest = latest_version(ctx, family.id)
    if latest is not None and latest.content_hash == digest:
        return ApplyResult(changed=False, version=latest.number)
    try:
        members = _check_names(ctx, family, spec, source)
    except PlanFileError as exc:
        raise InvalidInput("bad_plan", str(exc), family_id=family.id) from exc
    protected.check(ctx, family.id, member_facing(spec), avoid=spec.people_to_avoid)
    version = PlanVersion(family_id=family.id, number=(latest.number + 1) if latest else 1, content=content,
                          content_hash=digest, author=actor.label, reason=clean_text(reason).strip()[:2000],
                          created_at=ctx.now)
    ctx.s.add(version)
    ctx.s.flush()

    bottom_lines = _apply_bottom_lines(ctx, family, spec)
    touched = _apply_commitments(ctx, family, spec, members, bottom_lines, version)
    previous_meetings = [MeetingSpec.model_validate(m).stable_key
                         for m in (latest.content.get("meeting", []) if latest else [])]
    upsert_meetings(ctx, family, spec.meeting, members, previous_meetings)
    reviews.sync_plan_review(ctx, family, spec.review_by)

    result = ApplyResult(changed=True, version=version.number)
    result.told = _tell_owners(ctx, family, touched, version, changed=latest is not None)
    result.uncovered = [c.key for c in ctx.s.scalars(select(Commitment).where(
        Commitment.family_id == family.id, Commitment.active.is_(True), Commitment.uncovered_since.is_not(None)))]
    audit.record(ctx, actor, "plan.apply", family_id=family.id, subject=f"plan_version:{version.id}",
                 detail=f"v{version.number}")
    return result


def _clean_strings(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean_strings(v) for k, v in value.items()}
    return value


def _cleaned(family: Family, spec: PlanSpec) -> PlanSpec:
    """The plan with every text cleaned (bot.domain.text), however it was built (a file, the Slack editor)."""
    content = spec.canonical()
    cleaned = _clean_strings(content)
    if cleaned == content:
        return spec
    try:
        return PlanSpec.model_validate(cleaned)
    except ValueError:  # pydantic's ValidationError is a ValueError: a text that was only controls
        raise InvalidInput("bad_plan", "a plan text is empty once its control characters are removed",
                           family_id=family.id) from None


def _apply_bottom_lines(ctx: Ctx, family: Family, spec: PlanSpec) -> dict[str, BottomLine]:
    """The plan's bottom lines become the active ones (by key); the others are kept, inactive."""
    bottom_lines = {b.key: b for b in ctx.s.scalars(select(BottomLine).where(BottomLine.family_id == family.id))}
    for b in bottom_lines.values():
        b.active = False
    for spec_b in spec.bottom_line:
        line = bottom_lines.get(spec_b.key)
        if line is None:
            line = BottomLine(family_id=family.id, key=spec_b.key, text=spec_b.text)
            ctx.s.add(line)
            bottom_lines[spec_b.key] = line
        line.text, line.active = spec_b.text, True
    ctx.s.flush()
    return bottom_lines


def _apply_commitments(ctx: Ctx, family: Family, spec: PlanSpec, members: dict[str, Membership],
                       bottom_lines: dict[str, BottomLine], version: PlanVersion) -> set[int]:
    """Create, update and stop commitments by key; the memberships whose own commitments changed."""
    touched: set[int] = set()
    existing = {c.key: c for c in ctx.s.scalars(select(Commitment).where(Commitment.family_id == family.id))}
    for spec_c in spec.commitment:
        owner = members[spec_c.member.casefold()]
        bl = bottom_lines[spec_c.guards].id if spec_c.guards else None
        row = existing.get(spec_c.key)
        if row is None:
            ctx.s.add(Commitment(family_id=family.id, key=spec_c.key, owner_membership_id=owner.id,
                                 text=spec_c.text, question=spec_c.question or spec_c.text, rrule=spec_c.schedule,
                                 grace_minutes=spec_c.grace_minutes, bottom_line_id=bl, active=True,
                                 plan_version_id=version.id,
                                 uncovered_since=None if owner.state == MembershipState.ACTIVE else ctx.now))
            touched.add(owner.id)
        else:
            touched.update(_update_commitment(ctx, row, spec_c, owner, bl, version))
    seen = {c.key for c in spec.commitment}
    for key, row in existing.items():
        if key not in seen and row.active:
            row.active = False
            row.plan_version_id = version.id
            withdraw_unasked(ctx, row, stopping=True)
            touched.add(row.owner_membership_id)
    ctx.s.flush()
    jobs.touch(ctx, JobKind.SCHEDULE_FILL, ctx.s.scalars(select(Commitment.id).where(
        Commitment.family_id == family.id, Commitment.active.is_(True))))
    return touched


def _update_commitment(ctx: Ctx, row: Commitment, spec_c: CommitmentSpec, owner: Membership, bl: int | None,
                       version: PlanVersion) -> set[int]:
    """Bring an existing commitment in line with the plan; the owners to tell (none if nothing changed)."""
    before = _snapshot(row)
    old_owner, old_timing = row.owner_membership_id, (row.rrule, row.grace_minutes, row.owner_membership_id)
    row.owner_membership_id, row.text, row.question = owner.id, spec_c.text, spec_c.question or spec_c.text
    row.rrule, row.grace_minutes, row.bottom_line_id, row.active = spec_c.schedule, spec_c.grace_minutes, bl, True
    row.plan_version_id = version.id
    row.uncovered_since = None if owner.state == MembershipState.ACTIVE else (row.uncovered_since or ctx.now)
    if (row.rrule, row.grace_minutes, row.owner_membership_id) != old_timing or not before[-1]:
        withdraw_unasked(ctx, row)
    return {old_owner, owner.id} if _snapshot(row) != before else set()


def _tell_owners(ctx: Ctx, family: Family, touched: set[int], version: PlanVersion, *, changed: bool) -> list[str]:
    """Each active owner whose commitments changed hears their own list; the names told."""
    told = []
    for mid in sorted(touched):
        membership = ctx.s.get_one(Membership, mid)
        if membership.state == MembershipState.ACTIVE and membership.person_id:
            send_commitments(ctx, membership, family, changed=changed, key=f"commitments:{mid}:v{version.number}",
                             purpose=OutboxPurpose.PLAN_CHANGED)
            told.append(membership.name)
    return told


def withdraw_unasked(ctx: Ctx, c: Commitment, *, stopping: bool = False) -> None:
    """The commitment changes its timing, or stops (`stopping`: removed from the plan, owner left).

    Check-ins nobody was asked yet are withdrawn: future ones are deleted, so the same slots are free
    if it comes back; ones already due are kept, marked cancelled. When it stops, a question already
    asked and not answered is cancelled too, so it cannot turn into a miss. Answers stay as they are."""
    ctx.s.execute(delete(Checkin).where(Checkin.commitment_id == c.id, Checkin.state == CheckinState.PENDING,
                                        Checkin.asked_at.is_(None), Checkin.due_at > ctx.now))
    pending = update(Checkin).where(Checkin.commitment_id == c.id, Checkin.state == CheckinState.PENDING)
    if not stopping:
        pending = pending.where(Checkin.asked_at.is_(None))
    ctx.s.execute(pending.values(state=CheckinState.CANCELLED))
    c.scheduled_until = None
    jobs.touch(ctx, JobKind.SCHEDULE_FILL, c.id)


def next_due(c: Commitment, tz_name: str, ctx: Ctx) -> Any:
    return next(iter(occurrences(c.rrule, tz_name, ctx.now, ctx.now + timedelta(days=400))), None)


def member_commitments(ctx: Ctx, membership_id: int) -> list[Commitment]:
    return list(ctx.s.scalars(select(Commitment).where(Commitment.owner_membership_id == membership_id,
                                                       Commitment.active.is_(True)).order_by(Commitment.id)))


def send_commitments(ctx: Ctx, membership: Membership, family: Family, *, changed: bool, key: str,
                     purpose: OutboxPurpose = OutboxPurpose.COMMITMENTS) -> None:
    """A member's own commitments, never anyone else's, never other people's bottom lines. COMMITMENTS when
    they follow the member's own action (sent at once), PLAN_CHANGED when staff changed the plan (held by
    quiet hours)."""
    if membership.person_id is None:
        return
    person = ctx.s.get_one(Person, membership.person_id)
    tz = notify.person_timezone(person, family)
    commitments = member_commitments(ctx, membership.id)
    if not commitments and not changed:
        return  # nothing to tell yet (e.g. they joined before the plan was written)

    def build(tr: Any) -> Any:
        items = []
        for c in commitments:
            due = next_due(c, family.timezone, ctx)
            items.append((c.text, tr.when(due, tz) if due else None))
        return render.your_commitments(tr, family.alias, items, changed)

    notify.to_person(ctx, person.id, family, build, key=key, purpose=purpose)


def uncover_restore(ctx: Ctx, membership: Membership) -> None:
    """The owner is (back) in the network: their commitments are covered again, scheduled from now."""
    commitments = member_commitments(ctx, membership.id)
    for c in commitments:
        if c.uncovered_since is not None:
            c.uncovered_since = None
            c.scheduled_until = None
    jobs.touch(ctx, JobKind.SCHEDULE_FILL, [c.id for c in commitments])


def local_to_utc(naive: Any, tz_name: str) -> Any:
    return localize(naive, ZoneInfo(tz_name))
