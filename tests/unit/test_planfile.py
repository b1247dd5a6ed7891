"""The plan file parser (pure): a good file parses; every error names the line and the field."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.planfile import PlanFileError, PlanSpec, parse_plan
from tests.support.harness import PLAN

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rowan-family.toml"


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based number of the line holding `needle` (its n-th occurrence)."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} not in the text"
    return hits[occurrence - 1]


def error_of(text: str) -> PlanFileError:
    with pytest.raises(PlanFileError) as info:
        parse_plan(text)
    return info.value


# --- good files ----------------------------------------------------------------------------------

def test_harness_plan_parses_to_what_it_says() -> None:
    spec = parse_plan(PLAN)
    assert spec.review_by == date(2027, 2, 26)
    assert spec.people_to_avoid == ["Kevin"]
    assert spec.contingency.startswith("Take the children to Gran's")
    assert [b.key for b in spec.bottom_line] == ["sober-care"]
    assert [(c.key, c.member, c.grace_minutes, c.guards) for c in spec.commitment] == [
        ("school-run", "Gran", 45, None), ("evening-call", "Sue", 60, "sober-care")]
    assert spec.commitment[0].schedule == "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30"


def test_the_shipped_example_parses() -> None:
    spec = parse_plan(EXAMPLE.read_text(encoding="utf-8"))
    assert [c.member for c in spec.commitment] == ["Gran", "Aunt Sue", "Tom", "Ms Patel"]
    assert {c.guards for c in spec.commitment} == {None, "sober-care", "supervised-contact"}
    assert len(spec.goals) == 2
    assert spec.people_to_avoid == ["Kevin Doyle"]
    [meeting] = spec.meeting
    assert meeting.kind.value == "family_network"
    assert meeting.starts == datetime(2026, 12, 4, 10, 0)
    assert meeting.invite == ["Gran", "Aunt Sue", "Tom", "Ms Patel"]


def test_question_defaults_to_nothing_and_grace_to_an_hour() -> None:
    spec = parse_plan(PLAN.replace('grace = "45m"\n', ""))
    assert spec.commitment[0].grace_minutes == 60
    assert spec.commitment[0].question is None


@pytest.mark.parametrize(("grace", "minutes"), [("45m", 45), ("2h", 120), ("1h30m", 90), ("1d", 24 * 60)])
def test_grace_durations_accepted(grace: str, minutes: int) -> None:
    spec = parse_plan(PLAN.replace('grace = "45m"', f'grace = "{grace}"'))
    assert spec.commitment[0].grace_minutes == minutes


def test_same_content_gives_same_canonical_form() -> None:
    """Comments, blank lines and key order do not make a different plan (re-apply idempotence rests on it)."""
    reordered = PLAN.replace('key = "school-run"\nmember = "Gran"', 'member = "Gran"\nkey = "school-run"')
    commented = "# written at the family network meeting\n\n" + reordered
    assert parse_plan(commented).canonical() == parse_plan(PLAN).canonical()
    assert parse_plan(PLAN.replace('"45m"', '"1h"')).canonical() != parse_plan(PLAN).canonical()


# --- errors name the line and the field ----------------------------------------------------------

def test_bad_rrule_names_its_line_and_field() -> None:
    text = PLAN.replace("FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30", "FREQ=SOMETIMES")
    err = error_of(text)
    assert err.line == line_of(text, 'schedule = "FREQ=SOMETIMES"')
    assert err.field == "commitment[1].schedule"
    assert f"line {err.line}" in str(err)
    assert "commitment[1].schedule" in str(err)


def test_bad_rrule_in_second_commitment_points_at_the_second() -> None:
    text = PLAN.replace("FREQ=DAILY;BYHOUR=19;BYMINUTE=0", "FREQ=SOMETIMES;BYHOUR=19")
    err = error_of(text)
    assert err.line == line_of(text, "FREQ=SOMETIMES")
    assert err.field == "commitment[2].schedule"
    assert f"line {err.line}, commitment[2].schedule" in str(err)


def test_bad_byday_is_an_error() -> None:
    text = PLAN.replace("BYDAY=MO,WE,FR", "BYDAY=XX")
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, "BYDAY=XX"), "commitment[1].schedule")


def test_unknown_field_in_a_table() -> None:
    text = PLAN.replace('grace = "45m"', 'grace = "45m"\ncolour = "red"')
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, "colour"), "commitment[1].colour")
    assert "unknown field" in str(err)


def test_unknown_top_level_field() -> None:
    text = PLAN.replace("review_by = 2027-02-26", "review_by = 2027-02-26\nreview_date = 2027-03-01")
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, "review_date"), "review_date")


def test_missing_required_field_points_at_the_table_header() -> None:
    text = PLAN.replace('text = "Collect the children from school"\n', "")
    err = error_of(text)
    assert err.line == line_of(text, "[[commitment]]", 1)
    assert err.field == "commitment[1].text"


def test_missing_field_in_second_table_points_at_the_second_header() -> None:
    text = PLAN.replace('schedule = "FREQ=DAILY;BYHOUR=19;BYMINUTE=0"\n', "")
    err = error_of(text)
    assert err.line == line_of(text, "[[commitment]]", 2)
    assert err.field == "commitment[2].schedule"


def test_missing_bottom_line_text() -> None:
    text = PLAN.replace('text = "No drinking while caring for the children"\n', "")
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, "[[bottom_line]]"), "bottom_line[1].text")


def test_guards_naming_a_missing_bottom_line() -> None:
    text = PLAN.replace('guards = "sober-care"', 'guards = "no-such-line"')
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, 'guards = "no-such-line"'), "commitment[2].guards")
    assert "no-such-line" in str(err)


def test_duplicate_commitment_keys() -> None:
    text = PLAN.replace('key = "evening-call"', 'key = "school-run"')
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, 'key = "school-run"', 2), "commitment[2].key")
    assert "duplicate" in str(err)


def test_duplicate_bottom_line_keys() -> None:
    text = PLAN.replace("[[commitment]]", '[[bottom_line]]\nkey = "sober-care"\ntext = "Twice"\n\n[[commitment]]', 1)
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, 'key = "sober-care"', 2), "bottom_line[2].key")


def test_duplicate_meeting_keys() -> None:
    meeting = '\n[[meeting]]\nkey = "m1"\nkind = "review"\nstarts = 2026-12-04T10:00:00\n'
    text = PLAN + meeting + meeting
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, 'key = "m1"', 2), "meeting[2].key")


def test_duplicate_key_inside_a_table_names_the_line() -> None:
    text = PLAN.replace('grace = "45m"', 'grace = "45m"\ngrace = "2h"')
    err = error_of(text)
    assert err.line == line_of(text, 'grace = "2h"')
    assert f"line {err.line}" in str(err)


def test_duplicate_key_inside_a_table_names_the_field() -> None:
    text = PLAN.replace('grace = "45m"', 'grace = "45m"\ngrace = "2h"')
    err = error_of(text)
    assert "grace" in err.field


def test_invalid_toml_names_the_line() -> None:
    text = PLAN.replace("review_by = 2027-02-26", "review_by = = 2027-02-26")
    err = error_of(text)
    assert err.line == line_of(text, "review_by = =")
    assert f"line {err.line}" in str(err)
    assert "TOML" in str(err)


def test_unterminated_string_at_end_names_a_line() -> None:
    text = PLAN + '\n[[bottom_line]]\nkey = "unfinished'
    err = error_of(text)
    assert err.line is not None
    assert "line " in str(err)


@pytest.mark.parametrize("grace", ["soon", "", "45", "0m", "8d", "-1h"])
def test_bad_grace_rejected_with_line(grace: str) -> None:
    text = PLAN.replace('grace = "45m"', f'grace = "{grace}"')
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, f'grace = "{grace}"'), "commitment[1].grace")


def test_bad_review_date() -> None:
    text = PLAN.replace("review_by = 2027-02-26", 'review_by = "in three months"')
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, "review_by"), "review_by")


def test_people_to_avoid_must_be_a_list() -> None:
    text = PLAN.replace('people_to_avoid = ["Kevin"]', 'people_to_avoid = "Kevin"')
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, "people_to_avoid"), "people_to_avoid")


def test_bad_key_format() -> None:
    text = PLAN.replace('key = "school-run"', 'key = "School Run"')
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, "School Run"), "commitment[1].key")


def test_empty_member_name() -> None:
    text = PLAN.replace('member = "Gran"', 'member = ""')
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, 'member = ""'), "commitment[1].member")


def test_meeting_start_with_offset_is_refused() -> None:
    text = PLAN + '\n[[meeting]]\nkind = "review"\nstarts = 2026-12-04T10:00:00+01:00\n'
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, "starts = "), "meeting[1].starts")


def test_unknown_meeting_kind() -> None:
    text = PLAN + '\n[[meeting]]\nkind = "party"\nstarts = 2026-12-04T10:00:00\n'
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, 'kind = "party"'), "meeting[1].kind")


def test_meeting_without_start_points_at_its_header() -> None:
    text = PLAN + '\n[[meeting]]\nkind = "review"\n'
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, "[[meeting]]"), "meeting[1].starts")


@pytest.mark.parametrize("schedule", [
    "FREQ=DAILY",  # no time of day
    "FREQ=MINUTELY;BYHOUR=9",  # too often
    "DTSTART:20261130T090000\nRRULE:FREQ=DAILY;BYHOUR=9",  # times are local to the family
])
def test_schedules_the_bot_cannot_keep_are_refused(schedule: str) -> None:
    body = schedule.replace("\n", "\\n")
    text = PLAN.replace('"FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30"', f'"{body}"')
    err = error_of(text)
    assert err.field == "commitment[1].schedule"
    assert err.line == line_of(text, "schedule = ", 1)


@pytest.mark.parametrize(("schedule", "reason"), [
    ("FREQ=HOURLY", "would ask up to 24 times a day; a check-in may come at most 12 times a day"),
    ("FREQ=DAILY;BYHOUR=8,9,10,11,12,13,14,15,16,17,18,19,20", "would ask up to 13 times a day"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=9", "never happens"),
    ("FREQ=WEEKLY;BYHOUR=9", "say which days"),
])
def test_a_schedule_refusal_names_the_commitment_and_points_at_its_line(schedule: str, reason: str) -> None:
    text = PLAN.replace('"FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30"', f'"{schedule}"')
    err = error_of(text)
    assert (err.line, err.field) == (line_of(text, "schedule = ", 1), "commitment[1].schedule")
    assert err.message.startswith("commitment 'school-run': ")
    assert reason in err.message


def test_the_slack_editor_gets_the_same_refusal_from_the_same_parser() -> None:
    content = parse_plan(PLAN).canonical()
    content["commitment"][1]["schedule"] = "FREQ=HOURLY;BYHOUR=6,7,8,9,10,11,12,13,14,15,16,17,18"
    with pytest.raises(ValidationError) as info:
        PlanSpec.model_validate(content)
    err = info.value.errors()[0]
    assert err["loc"] == ("commitment", 1, "schedule")
    assert "commitment 'evening-call': this rule would ask up to 13 times a day" in err["msg"]


def test_a_plan_has_at_most_40_commitments_and_10_bottom_lines() -> None:
    from bot.planfile import PlanFileError, parse_plan

    commitment = '[[commitment]]\nkey = "c{i}"\nmember = "Gran"\ntext = "Call {i}"\nschedule = "FREQ=DAILY;BYHOUR=9"\n'
    bottom = '[[bottom_line]]\nkey = "b{i}"\ntext = "Rule {i}"\n'
    assert len(parse_plan("".join(commitment.format(i=i) for i in range(40))).commitment) == 40
    with pytest.raises(PlanFileError, match="commitment"):
        parse_plan("".join(commitment.format(i=i) for i in range(41)))
    with pytest.raises(PlanFileError, match="bottom_line"):
        parse_plan("".join(bottom.format(i=i) for i in range(11)))
