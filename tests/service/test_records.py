"""The caseworker's status picture and the full export; the audit trail never holds message text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.services import escalations
from bot.services.records import export, status
from tests.support.harness import OPERATOR, PLAN, Harness

SCHOOL_RUN_MON = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
EVENING_CALL_MON = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
MEETING = '\n[[meeting]]\nkey = "review-1"\nkind = "review"\nstarts = 2026-12-03T11:00:00\n' \
          'place = "Family Centre"\ninvite = ["Gran", "Sue"]\n'
# A note, not a worry: worry words ("shouting at the kids") would escalate (tests/unit/test_worry_words.py).
GRAN_NOTE = "Lily was quiet at the school gate and would not say why"
SUE_WORDS = "Mum sounded like she had been drinking, slurring her words"
RESOLUTION = "Visited at 21:00, Mum sober, children asleep, safety plan reviewed with her"


async def monday(h: Harness, plan: str = PLAN) -> int:
    """A Monday with one kept commitment (with a typed note) and one worried answer."""
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.join(fid, "Sue", "sue", "key_safety_person")
    h.apply(fid, plan + MEETING, reason="first plan")
    await h.advance_to(SCHOOL_RUN_MON, step=timedelta(hours=1))
    await h.press("gran", "Done")
    await h.say("gran", GRAN_NOTE)  # free text straight after an answer becomes its note
    await h.advance_to(EVENING_CALL_MON + timedelta(minutes=5), step=timedelta(hours=1))
    await h.say("sue", f"worried {SUE_WORDS}")
    return fid


async def test_status_shows_members_commitments_escalations_and_meetings(h: Harness) -> None:
    fid = await monday(h)
    st = h.call(lambda ctx: status(ctx, fid))
    assert st["family"] == {"id": fid, "alias": "the Rowan family", "timezone": "Europe/London", "language": "en"}
    assert st["plan_version"] == 1
    assert st["review_by"] == "2027-02-26"
    members = {m["name"]: m for m in st["members"]}
    assert members["Gran"]["state"] == "active" and members["Gran"]["role"] == "key_safety_person"
    assert members["Gran"]["consent_at"] is not None
    assert members["Sue"]["state"] == "active"
    assert members["Anna (caseworker)"]["role"] == "caseworker"
    commitments = {c["key"]: c for c in st["commitments"]}
    assert commitments["school-run"]["member"] == "Gran"
    assert commitments["school-run"]["last_7_days"] == {"done": 1}
    assert commitments["school-run"]["guards_bottom_line"] is False
    assert commitments["evening-call"]["last_7_days"] == {"worried": 1}
    assert commitments["evening-call"]["guards_bottom_line"] is True
    assert not any(c["uncovered"] for c in st["commitments"])
    [esc] = st["open_escalations"]
    assert (esc["reason"], esc["state"]) == ("worried", "open")
    [meeting] = st["upcoming_meetings"]
    assert meeting["kind"] == "review" and meeting["place"] == "Family Centre"
    assert meeting["starts_at"].startswith("2026-12-03T11:00")
    json.dumps(st)  # what `familyteam status --json` prints


async def test_status_counts_only_the_last_seven_days_and_drops_resolved_escalations(h: Harness) -> None:
    # Without the bottom line: the week's unasked evening calls are not what this is about.
    fid = await monday(h, PLAN.replace('guards = "sober-care"', ""))
    [esc] = h.escalations()
    assert h.call(lambda ctx: escalations.resolve(ctx, OPERATOR, esc.id, RESOLUTION))
    await h.advance_to(SCHOOL_RUN_MON + timedelta(days=7, hours=1), step=timedelta(hours=6))
    st = h.call(lambda ctx: status(ctx, fid))
    school = next(c for c in st["commitments"] if c["key"] == "school-run")
    # Mon 30 Nov (done) is more than 7 days ago now; Wed, Fri and Mon 7 Dec fell between two sweeps six hours
    # apart, so their questions never went out: counted as not asked, not as missed.
    assert school["last_7_days"] == {"not_asked": 3}
    assert all(e["id"] != esc.id for e in st["open_escalations"])
    assert st["upcoming_meetings"] == [], "the meeting is in the past"


async def test_export_holds_the_whole_record(h: Harness) -> None:
    fid = await monday(h)
    h.apply(fid, PLAN.replace('grace = "45m"', 'grace = "1h"') + MEETING, reason="more time")
    [esc] = h.escalations()
    h.call(lambda ctx: escalations.resolve(ctx, OPERATOR, esc.id, RESOLUTION))
    data = h.call(lambda ctx: export(ctx, fid))
    json.loads(json.dumps(data))
    assert [(v["number"], v["reason"], v["author"]) for v in data["plan_versions"]] == [
        (1, "first plan", "cli:scenario"), (2, "more time", "cli:scenario")]
    answers = {a["answer"]: a for a in data["answers"]}
    assert set(answers) == {"done", "worried"}
    assert answers["done"]["note"] == GRAN_NOTE, "nothing the network says is lost"
    assert answers["worried"]["note"] == SUE_WORDS
    [e] = data["escalations"]
    assert (e["reason"], e["state"], e["resolution_note"]) == ("worried", "resolved", RESOLUTION)
    assert data["escalation_notices"], "who was told is part of the record"
    assert all(n["escalation_id"] == e["id"] for n in data["escalation_notices"])
    assert {m["name"] for m in data["members"]} >= {"Gran", "Sue"}
    assert [m["key"] for m in data["meetings"]] == ["review-1"]
    assert len(data["meeting_replies"]) == 2
    actions = {a["action"] for a in data["audit"]}
    assert {"family.create", "invite.create", "consent.given", "plan.apply", "checkin.answer", "checkin.note",
            "escalation.open", "escalation.resolve"} <= actions
    assert all(a["family_id"] == fid for a in data["audit"])


async def test_export_is_only_of_the_one_family(h: Harness) -> None:
    fid = await monday(h)
    other = h.make_family("the Birch family", caseworker="console:bea")
    await h.join(other, "Ben", "ben")
    data = h.call(lambda ctx: export(ctx, other))
    assert data["family"]["alias"] == "the Birch family"
    assert data["answers"] == [] and data["escalations"] == [] and data["plan_versions"] == []
    assert all(a["family_id"] == other for a in data["audit"])
    names = {m["name"] for m in data["members"]}
    assert "Ben" in names and not names & {"Gran", "Sue"}
    assert fid != other


async def test_the_audit_trail_never_holds_message_text(h: Harness) -> None:
    fid = await monday(h)
    [esc] = h.escalations()
    h.call(lambda ctx: escalations.resolve(ctx, OPERATOR, esc.id, RESOLUTION))
    await h.command("gran", "start", "SECRETCODE")
    everything = h.audit()
    assert len(everything) > 10
    for event in everything:
        for value in (event.detail, event.subject, event.action, event.actor):
            if value is None:
                continue
            for text in (GRAN_NOTE, SUE_WORDS, RESOLUTION, "shouting", "drinking", "sober", "SECRETCODE"):
                assert text not in value, (event.action, value)
    exported = json.dumps(h.call(lambda ctx: export(ctx, fid))["audit"])
    for text in ("shouting", "drinking", "sober"):
        assert text not in exported
