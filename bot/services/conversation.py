"""What members write, kept: one `conversation_messages` row per family the writer is in, with typed flags
(edited, forwarded, media) and what the bot took it as; staff replies to them are kept in the same table.
Audited without the text. Nothing a person writes is lost: the text is kept whole up to MAX_TEXT
characters (a longer message is refused, its start kept and its length recorded)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.domain.text import clean_text, recognised_script
from bot.domain.vocabulary import Direction, MembershipState, Role, TakenAs
from bot.services import audit
from bot.services.context import Actor, Ctx
from storage.models import ChatIdentity, ConversationMessage, Membership, Person

MAX_TEXT = 4000  # characters kept whole; a longer message is refused (its start kept, its length recorded)


@dataclass(frozen=True)
class Said:
    """What a member sent, as the core sees it (from bot.ports.Inbound)."""

    text: str
    edited: bool = False
    forwarded_from: str | None = None  # None: their own words; "" forwarded, the original sender hidden
    media: str | None = None  # bot.ports.MediaKind
    platform_ref: str | None = None  # the platform's message id (an edit carries the same)

    @property
    def forwarded(self) -> bool:
        return self.forwarded_from is not None

    @property
    def clean(self) -> str:
        return clean_text(self.text).strip()

    @property
    def empty(self) -> bool:
        return not self.clean and self.media is None

    @property
    def too_long(self) -> bool:
        return len(self.clean) > MAX_TEXT


def network_memberships(ctx: Ctx, person_id: int) -> list[Membership]:
    """The active places this person holds in families' networks (not as staff), oldest first."""
    return list(ctx.s.scalars(select(Membership).where(
        Membership.person_id == person_id, Membership.state == MembershipState.ACTIVE,
        Membership.role.in_([r.value for r in Role if r.is_network])).order_by(Membership.id)))


def store(ctx: Ctx, actor: Actor, identity: ChatIdentity, memberships: list[Membership], said: Said,
          taken_as: TakenAs, edit_of: dict[int, int] | None = None) -> list[ConversationMessage]:
    """Keep what was said, once per family; audited without the text."""
    assert actor.person_id is not None
    person = ctx.s.get_one(Person, actor.person_id)
    text = said.clean
    language = (person.language or identity.language or ctx.settings.default_language
                if recognised_script(text) else None)
    rows = []
    for m in memberships:
        row = ConversationMessage(
            family_id=m.family_id, membership_id=m.id, direction=Direction.FROM_MEMBER,
            author_person_id=actor.person_id, signed=False, identity_id=identity.id,
            platform_ref=(said.platform_ref or None) and said.platform_ref[:64], at=ctx.now, language=language,
            text=text[:MAX_TEXT], length=len(text), edited=said.edited, forwarded=said.forwarded,
            forwarded_from=(said.forwarded_from or None) and said.forwarded_from[:80], media=said.media,
            taken_as=taken_as, edit_of=(edit_of or {}).get(m.family_id))
        ctx.s.add(row)
        rows.append(row)
    ctx.s.flush()
    for row in rows:
        flags = ",".join(f for f, on in (("edited", said.edited), ("forwarded", said.forwarded),
                                         (said.media or "", bool(said.media))) if on)
        audit.record(ctx, actor, "message.in", family_id=row.family_id, subject=f"message:{row.id}",
                     detail=f"{taken_as} {row.length} chars {flags}".strip())
    return rows


def taken(rows: list[ConversationMessage], taken_as: TakenAs, checkin_id: int | None = None) -> None:
    for row in rows:
        row.taken_as = taken_as
        if checkin_id is not None:
            row.checkin_id = checkin_id


def earlier(ctx: Ctx, identity: ChatIdentity, platform_ref: str | None) -> list[ConversationMessage]:
    """The newest version (one per family) of the message with this platform id from this chat."""
    if not platform_ref:
        return []
    rows = ctx.s.scalars(select(ConversationMessage).where(
        ConversationMessage.identity_id == identity.id, ConversationMessage.platform_ref == platform_ref[:64],
        ConversationMessage.direction == Direction.FROM_MEMBER).order_by(ConversationMessage.id.desc()))
    newest: dict[int, ConversationMessage] = {}
    for row in rows:
        newest.setdefault(row.family_id, row)
    return list(newest.values())


def family_messages(ctx: Ctx, family_id: int) -> list[ConversationMessage]:
    return list(ctx.s.scalars(select(ConversationMessage).where(ConversationMessage.family_id == family_id)
                              .order_by(ConversationMessage.at, ConversationMessage.id)))
