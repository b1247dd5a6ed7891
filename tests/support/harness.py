"""The project's tests use the public scenario kit (bot/testing.py); this module keeps the names the
tests were written with and the shared sample plan."""

from __future__ import annotations

from bot.testing import MONDAY, OPERATOR, World, settings_for

Harness = World

__all__ = ["MONDAY", "OPERATOR", "PLAN", "SLOW_REPEATS", "Harness", "settings_for"]

# For worlds that walk days past alerts nobody takes but are about something else (what an alert says, a
# schedule, privacy, records): an open alert goes round the chain once and then repeats every 4 hours instead
# of every 15 minutes without end, so the walk does not spend its time on repeats. Tests mark themselves
# `slow_alert_repeats` to get it from the `h`/`hs` fixtures; the tests about repeating (test_alerts_never_quiet,
# test_escalations, test_truthful_words) keep the defaults.
SLOW_REPEATS = {"FAMILYTEAM_ALERT_REPEAT_MINUTES": "240", "FAMILYTEAM_ALERT_LOOPS": "1"}

PLAN = """
contingency = "Take the children to Gran's and call the caseworker."
review_by = 2027-02-26
people_to_avoid = ["Kevin"]

[[bottom_line]]
key = "sober-care"
text = "No drinking while caring for the children"

[[commitment]]
key = "school-run"
member = "Gran"
text = "Collect the children from school"
schedule = "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30"
grace = "45m"

[[commitment]]
key = "evening-call"
member = "Sue"
text = "Call Mum at 7 and check everyone is settled"
schedule = "FREQ=DAILY;BYHOUR=19;BYMINUTE=0"
grace = "1h"
guards = "sober-care"
"""
