"""Loading a family's protected terms, adding them, and checking family-facing text against them.

The terms are the family's own (entered by staff: children's names and nicknames, dates of birth, school,
address, other case words), the shipped allegation words of every language (messages/locale/<lang>/
allegation_words.txt, read once per process) and the names on the plan's people-to-avoid list. They are read
once per family per transaction (kept in the session's info). Matching is bot.domain.protected's.

Every path that stores or sends a family-facing text calls `check` (plans, staff replies, relays); the outbox
guards member-facing rows once more (`guard`, used by bot.services.notify)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from bot.domain.avoid import avoid_terms
from bot.domain.protected import Term, fields_with_term, find, listed, term
from bot.domain.text import clean_text
from bot.services import audit
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput
from bot.services.families import get_family, require_open, require_staff
from messages.catalog import LOCALE_DIR
from storage.models import PlanVersion, ProtectedTerm

log = logging.getLogger(__name__)
MAX_TERM = 200


@lru_cache(maxsize=1)
def allegation_terms(locale_dir: Path = LOCALE_DIR) -> tuple[Term, ...]:
    """The shipped allegation words of every language (one phrase a line, "#" comments, "word*" any ending)."""
    found: list[Term] = []
    for path in sorted(locale_dir.glob("*/allegation_words.txt")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            t = listed(raw.split("#", 1)[0])
            if t is not None:
                found.append(t)
    return tuple(found)


def people_to_avoid(ctx: Ctx, family_id: int) -> list[str]:
    content = ctx.s.scalar(select(PlanVersion.content).where(PlanVersion.family_id == family_id)
                           .order_by(PlanVersion.number.desc()).limit(1))
    return list((content or {}).get("people_to_avoid", []))


def family_terms(ctx: Ctx, family_id: int, avoid: Sequence[str] | None = None) -> list[Term]:
    """The family's terms, the allegation words and the people to avoid (`avoid` if given: a plan being
    applied), read once per transaction."""
    key = ("protected_terms", family_id)
    own = ctx.s.info.get(key)
    if own is None:
        rows = ctx.s.scalars(select(ProtectedTerm.text).where(ProtectedTerm.family_id == family_id))
        own = ctx.s.info[key] = [t for t in (term(r) for r in rows) if t is not None]
    names = avoid_terms(list(avoid if avoid is not None else people_to_avoid(ctx, family_id)))
    return [*own, *names, *allegation_terms()]


def check(ctx: Ctx, family_id: int, fields: Sequence[tuple[str, str]], avoid: Sequence[str] | None = None) -> None:
    """Refuse (InvalidInput "protected_term") the first field holding a protected term, naming field and term
    to the staff member; the reason in the audit trail carries neither."""
    hit = fields_with_term([(label, text) for label, text in fields if text], family_terms(ctx, family_id, avoid))
    if hit is not None:
        label, found = hit
        raise InvalidInput("protected_term", f"{label} contains the protected term {found.text!r}: this text goes "
                                             "to family members, so it must not name it; reword it",
                           family_id=family_id)


def guard(ctx: Ctx, family_id: int, texts: Sequence[str]) -> bool:
    """The last line: True when none of these member-facing texts holds a protected term (else logged, by id)."""
    terms = family_terms(ctx, family_id)
    if any(find(t, terms) is not None for t in texts if t):
        log.error("outbox row for family %s refused: it holds a protected term", family_id)
        return False
    return True


def add_term(ctx: Ctx, actor: Actor, family_id: int, text: str) -> int:
    """Protect one more term for the family; returns its id. Empty, too long or already there: InvalidInput."""
    family = get_family(ctx, family_id)
    require_staff(ctx, actor, family.id, "family.protect")
    require_open(ctx, family.id)
    text = " ".join(clean_text(text).split())
    new = term(text)
    if new is None or len(text) > MAX_TERM:
        raise InvalidInput("bad_term", f"a protected term must have letters or digits and at most {MAX_TERM} "
                                       "characters", family_id=family.id)
    existing = [term(r) for r in ctx.s.scalars(select(ProtectedTerm.text).where(ProtectedTerm.family_id == family.id))]
    if any(t is not None and t.words == new.words for t in existing):
        raise InvalidInput("duplicate_term", "this term is already protected", family_id=family.id)
    row = ProtectedTerm(family_id=family.id, text=text, created_by=actor.label[:64], created_at=ctx.now)
    ctx.s.add(row)
    ctx.s.flush()
    ctx.s.info.pop(("protected_terms", family.id), None)
    audit.record(ctx, actor, "family.protect", family_id=family.id, subject=f"term:{row.id}")
    return row.id


def count_terms(ctx: Ctx, family_id: int) -> int:
    return len(list(ctx.s.scalars(select(ProtectedTerm.id).where(ProtectedTerm.family_id == family_id))))
