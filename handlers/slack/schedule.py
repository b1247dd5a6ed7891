"""The plan modal's schedule picker (days + time) to and from a commitment's RRULE.

Reading and writing rules is the core's (bot.domain.schedule); this only shapes it for the modal.
Rules are checked when the modal's plan is validated (bot.planfile, the same parser as plan files)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.schedule import days_time_rule, picker_form


@dataclass(frozen=True)
class Picked:
    days: tuple[str, ...]  # empty: every day
    time: str  # "HH:MM"


def to_rrule(days: list[str] | tuple[str, ...], time: str) -> str:
    return days_time_rule(days, time)


def from_rrule(rule: str) -> Picked | None:
    """The picker's reading of a rule, or None if the picker cannot show it (then the advanced field does)."""
    form = picker_form(rule)
    return Picked(*form) if form else None
