"""How long one commitment's schedule takes to expand for the engine's 48-hour window.

    .venv/bin/python -m bench.recurrence [--repeat 200]

For the most expensive rules a plan may hold (as many check-ins a day as allowed, hourly rules, rules
that happen once a year so the walk to the next one is longest, BYSETPOS), and for rules that are
refused at plan time but may be stored from before (hourly every hour, rules that never happen),
times `occurrences(...)` over 48 hours at windows in 2026 (around a DST change and a year end) and
2090, plus the one-off plan-time check (`parse_rule`, uncached). Prints JSON, then a one-line summary.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta

from bot.domain.schedule import MAX_PER_DAY, ScheduleError, compile_rule, occurrences, parse_rule

ALLOWED = {
    "hourly, 12 a day": "FREQ=HOURLY;BYHOUR=8,9,10,11,12,13,14,15,16,17,18,19",
    "daily, 12 a day (4 h x 3 min)": "FREQ=DAILY;BYHOUR=9,12,15,18;BYMINUTE=0,20,40",
    "weekly, 12 a day": "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=8,9,10,11,12,13,14,15,16,17,18,19",
    "hourly, once a year": "FREQ=HOURLY;BYMONTH=1;BYMONTHDAY=1;BYHOUR=9",
    "daily, once a year": "FREQ=DAILY;BYMONTH=1;BYMONTHDAY=1;BYHOUR=9",
    "yearly, first Monday": "FREQ=YEARLY;BYMONTH=1;BYDAY=1MO;BYHOUR=9",
    "monthly, last Friday": "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9",
    "daily, 2 of 24 h (BYSETPOS)": "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23"
                                   ";BYSETPOS=1,-1",
    "weekly 15:30 (the common case)": "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30",
}
STORED_ONLY = {  # refused now; an older plan may still hold them
    "hourly, 24 a day": "FREQ=HOURLY",
    "30 February": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=9",
    "29 February": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=9",
    "hourly BYSETPOS, once a year": "FREQ=HOURLY;BYMONTH=1;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0,30;BYSETPOS=1",
}
WINDOWS = [datetime(2026, 3, 28, 12, tzinfo=UTC),  # London's spring change inside
           datetime(2026, 1, 2, 12, tzinfo=UTC),  # just after 1 January: the once-a-year rules walk a year
           datetime(2090, 6, 1, tzinfo=UTC)]
TZ = "Europe/London"


def _time(fn: object, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append((time.perf_counter() - t) * 1000)
    return out


def measure(rule: str, repeat: int) -> dict[str, float]:
    compile_rule.cache_clear()
    check_ms = _time(lambda: (compile_rule.cache_clear(), compile_rule(rule)), 5)
    compile_rule(rule)
    worst, counts = [], []
    for start in WINDOWS:
        times = _time(lambda start=start: list(occurrences(rule, TZ, start, start + timedelta(hours=48))), repeat)
        worst.append(max(statistics.median(times), 0.0))
        counts.append(len(list(occurrences(rule, TZ, start, start + timedelta(hours=48)))))
    return {"expand_48h_median_ms_worst_window": round(max(worst), 3), "check_ms": round(min(check_ms), 2),
            "occurrences_per_48h_max": max(counts), "per_day": compile_rule(rule).per_day}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    results = {}
    for name, rule in {**ALLOWED, **STORED_ONLY}.items():
        try:
            parse_rule(rule)
            allowed = True
        except ScheduleError:
            allowed = False
        results[name] = {"rule": rule, "allowed": allowed, **measure(rule, args.repeat)}
    print(json.dumps(results, indent=2))
    allowed_rows = [r for r in results.values() if r["allowed"]]
    worst = max(allowed_rows, key=lambda r: r["expand_48h_median_ms_worst_window"])
    slowest_check = max(results.values(), key=lambda r: r["check_ms"])
    print(f"worst allowed rule expands 48 h in {worst['expand_48h_median_ms_worst_window']:.2f} ms "
          f"({worst['rule']}); plan-time check at most {slowest_check['check_ms']:.1f} ms; "
          f"{len(allowed_rows)} allowed rules, at most {MAX_PER_DAY} a day")


if __name__ == "__main__":
    main()
