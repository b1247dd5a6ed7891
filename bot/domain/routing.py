"""Who is told about an escalation, in which order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StaffOnCall:
    caseworker: int | None  # person ids
    supervisor: int | None
    duty: int | None
    caseworker_away: bool
    cover: int | None


@dataclass(frozen=True)
class ChainStep:
    """One person in an escalation chain and the role they hold for it (what the member is told)."""

    person: int
    role: str  # caseworker | cover | supervisor | duty


def escalation_steps(staff: StaffOnCall, in_working_hours: bool) -> list[ChainStep]:
    """The people to tell, first to last, each with their role; each next one is told when nobody has
    acknowledged in time.

    In working hours: caseworker, then supervisor, then duty. Caseworker away: their named cover (or
    duty) first, then supervisor, then duty. Out of hours: duty first, then supervisor, then the caseworker
    (or, while they are away, their cover), so nobody on the family's team is left uninformed and the away
    caseworker gets nothing.
    """
    order: list[tuple[int | None, str]]
    if not in_working_hours:
        order = [(staff.duty, "duty"), (staff.supervisor, "supervisor"),
                 (staff.cover, "cover") if staff.caseworker_away else (staff.caseworker, "caseworker")]
    elif staff.caseworker_away:
        order = [(staff.cover, "cover") if staff.cover else (staff.duty, "duty"), (staff.supervisor, "supervisor"),
                 (staff.duty, "duty")]
    else:
        order = [(staff.caseworker, "caseworker"), (staff.supervisor, "supervisor"), (staff.duty, "duty")]
    chain: list[ChainStep] = []
    for pid, role in order:
        if pid is not None and all(step.person != pid for step in chain):
            chain.append(ChainStep(pid, role))
    if not chain and staff.caseworker is not None:  # nobody else at all: even an away caseworker, not nobody
        chain.append(ChainStep(staff.caseworker, "caseworker"))
    return chain


def escalation_chain(staff: StaffOnCall, in_working_hours: bool) -> list[int]:
    """The person ids of `escalation_steps`, in order."""
    return [step.person for step in escalation_steps(staff, in_working_hours)]


@dataclass(frozen=True)
class AlertPace:
    """How an unacknowledged alert keeps going: `step_minutes` at each person before the next is told,
    a repeat to the same person every `repeat_minutes` meanwhile, and the chain gone round `loops` times
    (0: without end) before it stays with its last stop (duty), repeating there for ever."""

    step_minutes: int
    repeat_minutes: int
    loops: int = 0


def chain_index(length: int, step: int, loops: int, final: int) -> int:
    """Which person of a chain of `length` holds absolute step `step` (the chain gone round and round);
    after `loops` rounds (0: never) it is always `final`."""
    if loops and step >= loops * length:
        return final
    return step % length


def final_stop(roles: list[str]) -> int:
    """Where an alert stays once its rounds are used up: the duty team, else the chain's last person."""
    return roles.index("duty") if "duty" in roles else len(roles) - 1


def chain_exhausted(length: int, step: int, loops: int) -> bool:
    """A step that begins a new round (or any step after the rounds are used up): everyone was told and
    nobody acknowledged. The moment a second channel (SMS to the duty phone) is used."""
    return step >= length and (step % length == 0 or bool(loops and step >= loops * length))


def is_away(away_until: datetime | None, now: datetime) -> bool:
    return away_until is not None and away_until > now


@dataclass(frozen=True)
class RelayTarget:
    """Who reads what a member wrote (not a worry): the person and the role they hold for the family."""

    person: int
    role: str  # caseworker | cover | supervisor | duty


def relay_order(staff: StaffOnCall) -> list[RelayTarget]:
    """The caseworker, or while they are away the worker covering (their named cover, else duty); then the
    supervisor and duty, for when nobody before them can be reached by chat."""
    first: list[tuple[int | None, str]]
    if staff.caseworker_away:
        first = [(staff.cover, "cover"), (staff.duty, "duty")]
    else:
        first = [(staff.caseworker, "caseworker")]
    order: list[RelayTarget] = []
    for pid, role in [*first, (staff.supervisor, "supervisor"), (staff.duty, "duty")]:
        if pid is not None and all(t.person != pid for t in order):
            order.append(RelayTarget(pid, role))
    return order
