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


def escalation_chain(staff: StaffOnCall, in_working_hours: bool) -> list[int]:
    """The people to tell, first to last; each next one is told when nobody has acknowledged in time.

    In working hours: caseworker, then supervisor, then duty. Caseworker away: their named cover (or
    duty) first, then supervisor, then duty. Out of hours: duty first, then supervisor, then caseworker,
    so nobody on the family's team is left uninformed.
    """
    order: list[int | None]
    if not in_working_hours:
        order = [staff.duty, staff.supervisor, staff.caseworker]
    elif staff.caseworker_away:
        order = [staff.cover or staff.duty, staff.supervisor, staff.duty]
    else:
        order = [staff.caseworker, staff.supervisor, staff.duty]
    chain: list[int] = []
    for pid in order:
        if pid is not None and pid not in chain:
            chain.append(pid)
    if not chain and staff.caseworker is not None:
        chain.append(staff.caseworker)
    return chain


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
