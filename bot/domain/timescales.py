"""Review timescales as data: a framework says which meeting falls due after which, and how soon (working
days or calendar months). Working days skip weekends and the bank holidays of the family's region (the
`holidays` package). England's child-protection timescales (Working Together to Safeguard Children) are
the first framework; another country's or agency's is one more entry in FRAMEWORKS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta

PLAN_REVIEW = "plan_review"  # the plan file's review_by: one date, no framework


@dataclass(frozen=True)
class Step:
    """`kind` is due `working_days` or `months` after the latest `after` that took place."""

    kind: str
    after: str
    working_days: int = 0
    months: int = 0


@dataclass(frozen=True)
class Framework:
    name: str
    start: str  # the event staff record first (it is never "due")
    default_region: str
    steps: tuple[Step, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        seen = [self.start]
        for step in self.steps:
            if step.kind not in seen:
                seen.append(step.kind)
        return tuple(seen)


ENGLAND_CHILD_PROTECTION = Framework(
    name="england-child-protection",
    start="strategy_discussion",
    default_region="GB-ENG",
    steps=(
        Step("initial_conference", after="strategy_discussion", working_days=15),
        Step("core_group", after="initial_conference", working_days=10),
        Step("review_conference", after="initial_conference", months=3),  # the first review
        Step("review_conference", after="review_conference", months=6),  # then at most every 6 months
    ),
)

FRAMEWORKS: dict[str, Framework] = {f.name: f for f in (ENGLAND_CHILD_PROTECTION,)}


def framework(name: str) -> Framework:
    """The framework called `name`, else ValueError naming the known ones."""
    found = FRAMEWORKS.get(name.strip().lower())
    if found is None:
        raise ValueError(f"unknown framework {name!r}: known are {', '.join(sorted(FRAMEWORKS))}")
    return found


def check_region(region: str) -> str:
    """A region as COUNTRY or COUNTRY-SUBDIVISION ("GB-ENG", "GB-SCT", "ES-MD"), known to `holidays`, in
    upper case; else ValueError."""
    norm = region.strip().upper()
    country, _, sub = norm.partition("-")
    try:
        holidays.country_holidays(country, subdiv=sub or None, years=2026)
    except (NotImplementedError, KeyError, AttributeError) as exc:
        raise ValueError(f"unknown region {region!r}: use a country and subdivision code, e.g. GB-ENG, "
                         f"GB-WLS, GB-SCT or GB-NIR") from exc
    return norm


@lru_cache(maxsize=64)
def _bank_holidays(region: str, year: int) -> frozenset[date]:
    country, _, sub = region.partition("-")
    return frozenset(holidays.country_holidays(country, subdiv=sub or None, years=year).keys())


def is_working_day(day: date, region: str) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(region, day.year)


def add_working_days(start: date, days: int, region: str) -> date:
    """The `days`-th working day after `start` (15 working days after a Friday strategy discussion...)."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, region):
            left -= 1
    return day


@dataclass(frozen=True)
class Due:
    kind: str
    number: int  # 1 for the first of its kind, 2 for the second...
    due_on: date


def _offset(step: Step, anchor: date, region: str) -> date:
    if step.working_days:
        return add_working_days(anchor, step.working_days, region)
    return anchor + relativedelta(months=step.months)


def next_due(fw: Framework, held: Mapping[str, Sequence[date]], region: str) -> list[Due]:
    """What falls due next, given the dates each kind of meeting took place (`held`, oldest first): for each
    kind, its next occurrence if the meeting it follows has taken place."""
    out: list[Due] = []
    for kind in fw.kinds[1:]:
        done = sorted(held.get(kind, ()))
        steps = [s for s in fw.steps if s.kind == kind]
        repeat = next((s for s in steps if s.after == kind), None)
        first = next((s for s in steps if s.after != kind), None)
        if done and repeat is not None:
            out.append(Due(kind, len(done) + 1, _offset(repeat, done[-1], region)))
        elif not done and first is not None and held.get(first.after):
            out.append(Due(kind, 1, _offset(first, sorted(held[first.after])[-1], region)))
    return out
