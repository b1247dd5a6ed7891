"""Nothing identifying leaks: a family's protected terms, the shipped allegation words and the people to avoid
are refused in every family-facing text (plan, staff reply), forgiving case, accents, typos and endings, with
an error naming the field and the term; the outbox refuses a member-facing row that still holds one; a member's
message naming someone to avoid reaches the caseworker at once, flagged (end to end through World)."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from bot.conversation import staff_intents as i
from bot.domain.avoid import is_avoided
from bot.domain.protected import find
from bot.domain.vocabulary import OutboxPurpose
from bot.services import notify
from bot.services.errors import InvalidInput
from bot.services.protected import add_term, allegation_terms, family_terms
from messages.catalogues import po_path
from messages.outbound import OutboundMessage
from storage.models import Family, Membership
from tests.support.harness import OPERATOR, PLAN, Harness


@pytest.mark.storage  # an issue-10 scenario: on PostgreSQL too
async def test_protected_terms_block_plan_texts_staff_replies_and_the_outbox(h: Harness) -> None:
    fid = await h.network(plan=PLAN)  # Monday 08:00, before the caseworker's day
    h.call(lambda ctx: add_term(ctx, OPERATOR, fid, "Kasia"))
    h.call(lambda ctx: add_term(ctx, OPERATOR, fid, "St Mary's School"))
    with pytest.raises(InvalidInput, match="already protected"):
        h.call(lambda ctx: add_term(ctx, OPERATOR, fid, "kasia"))

    for text, field, term in [("Collect KASIĄ from school", "commitment 'school-run' text", "Kasia"),
                              ("Collect the children from st marys scool", "commitment 'school-run' text",
                               "St Mary's School"),
                              ("Make sure Kevin's car is not outside", "commitment 'school-run' text", "Kevin")]:
        with pytest.raises(InvalidInput) as err:
            h.apply(fid, PLAN.replace("Collect the children from school", text))
        assert field in err.value.message and repr(term) in err.value.message
    with pytest.raises(InvalidInput, match=r"question.*'abus\*'"):
        h.apply(fid, PLAN.replace('grace = "45m"', 'grace = "45m"\nquestion = "Any abuse today?"'))

    await h.say("gran", "Could someone call me back?")
    outcome = await h.staff("anna", i.Reply("Kasia's teacher rang", family="Rowan"))
    assert not outcome.ok and "the reply contains the protected term 'Kasia'" in outcome.errors["text"]
    before = len(h.texts("gran"))

    gran = h.call(lambda ctx: ctx.s.scalar(Membership.__table__.select().with_only_columns(
        Membership.person_id).where(Membership.name == "Gran")))
    created = h.call(lambda ctx: notify.to_person(
        ctx, gran, ctx.s.get(Family, fid), lambda tr: OutboundMessage("Say hello to Kasia"), key="leak",
        purpose=OutboxPurpose.STAFF_REPLY))
    assert created == {} and len(h.texts("gran")) == before, "the runtime guard refuses the row"


@pytest.mark.storage  # an issue-10 scenario: on PostgreSQL too
async def test_a_member_naming_someone_to_avoid_alerts_the_caseworker_at_once(h: Harness) -> None:
    await h.network(plan=PLAN)  # Monday 08:00: an ordinary message would wait for 09:00
    anna_before = len(h.texts("anna"))
    await h.say("gran", "Kevn was hanging around the house last night")
    assert len(h.texts("anna")) == anna_before + 1
    assert h.last("anna").startswith("⚠️ This message names Kevin, who is on the plan's people-to-avoid list.")
    assert is_avoided("kévin", ["Kevin"]) and is_avoided("Kevins", ["Kevin"]) and not is_avoided("Kate", ["Kevin"])


def test_no_member_facing_catalogue_text_holds_an_allegation_word() -> None:
    """The catalogue half of the guard: every member-facing text, in every language, is free of allegation words."""
    terms = allegation_terms()
    for lang in ("en", "es", "pl"):
        with po_path(lang).open("rb") as f:
            catalog = read_po(f)
        for msg in catalog:
            if not msg.id or not any(src in ("messages/members.py", "messages/summaries.py")
                                     for src, _ in msg.locations):
                continue
            for text in (msg.id, msg.string) if isinstance(msg.id, str) else (*msg.id, *msg.string):
                assert find(text, terms) is None, (lang, text)
    assert family_terms  # the loader the runtime guard uses
