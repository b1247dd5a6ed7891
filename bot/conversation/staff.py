"""The staff door: what agency staff ask for in forms and commands (Slack's /familyteam, modals, App Home),
as plain intents, each with one handler returning a typed outcome the adapter can answer at once.

Like the router it claims the platform's event id (an InboundReceipt, so a retried request has one
effect), finds who is asking (an unknown user is refused), runs the use case in one transaction and
audits refusals. Outcome texts are plain words in the asker's language; the adapter formats them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.conversation import staff_uses as uses
from bot.conversation.router import claim_receipt
from bot.conversation.staff_intents import Intent, Outcome
from bot.services import audit
from bot.services.context import Actor, Ctx
from bot.services.errors import Refused, ServiceError
from bot.services.people import identity_of
from bot.services.staff import staff_actor
from bot.settings import Settings
from messages import forms as texts
from messages.catalog import Translator, translator
from storage.db import Database, begin_now
from storage.models import Person

log = logging.getLogger(__name__)
__all__ = ["Outcome", "StaffDoor"]


class StaffDoor:
    def __init__(self, db: Database, clock: Clock, settings: Settings, secret: bytes,
                 on_outbox: Callable[[], None] | None = None) -> None:
        self.db, self.clock, self.settings, self.secret = db, clock, settings, secret
        self.on_outbox = on_outbox

    async def __call__(self, platform: str, user_id: str, intent: Intent, event_id: str | None = None) -> Outcome:
        """Handle one intent of `user_id` on `platform` (its own transaction, on a worker thread)."""
        outcome = await self.db.run(lambda s: self.handle_in(s, platform, user_id, intent, event_id))
        if self.on_outbox:
            self.on_outbox()
        return outcome

    def handle_in(self, s: Session, platform: str, user_id: str, intent: Intent, event_id: str | None) -> Outcome:
        begin_now(s)  # the savepoint below is part of this transaction, also when no receipt was written
        ctx = Ctx(s, self.clock.now(), self.settings, self.secret)
        tr = translator(_language(ctx, platform, user_id))
        if not claim_receipt(ctx, platform, event_id):
            log.info("staff %s:%s already handled (a retry)", platform, event_id)
            return Outcome(tr.language, duplicate=True)
        actor = Actor(f"{platform}:{user_id}"[:64])
        try:
            with s.begin_nested():
                if not intent.ANYONE:
                    actor = staff_actor(ctx, platform, user_id)
                elif (identity := identity_of(ctx, platform, user_id)) is not None and identity.person_id:
                    actor = Actor(f"person:{identity.person_id}", identity.person_id, identity.id)
                return uses.run(uses.Asker(ctx, tr, actor, platform, user_id, event_id), intent)
        except ServiceError as exc:
            if isinstance(exc, Refused):
                audit.record(ctx, actor, exc.subject or "refused", family_id=exc.family_id, outcome="refused",
                             detail=exc.reason)
            return Outcome(tr.language, errors={uses.field_for(intent, exc): problem(tr, exc)})


def problem(tr: Translator, exc: ServiceError) -> str:
    if isinstance(exc, Refused):
        return texts.refused(tr, exc.reason)
    return texts.invalid(tr, exc.message)


def _language(ctx: Ctx, platform: str, user_id: str) -> str:
    identity = identity_of(ctx, platform, user_id)
    person = ctx.s.get(Person, identity.person_id) if identity and identity.person_id else None
    return ((person.language if person else None) or (identity.language if identity else None)
            or ctx.settings.default_language)
