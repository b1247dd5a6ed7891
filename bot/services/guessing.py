"""Invite guessing, limited per chat and across the bot, counted in fixed windows (WINDOW long, from the
epoch). A chat past its own limit, or any chat once the whole bot is past FAMILYTEAM_INVITE_GUESSES_PER_WINDOW,
is told to wait once a window and then hears nothing more, so guessing cannot spend the send budget. Wrong
codes from chats not linked to anyone are audited together: one row a window, with the count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from bot.services import audit
from bot.services.context import Actor, Ctx
from storage.models import AuditEvent, ChatIdentity, InviteGuessChat, InviteGuessWindow
from storage.upsert import claim, insert_ignore

WINDOW = timedelta(minutes=10)
PER_CHAT = 5  # wrong codes one chat may type in a window
KEEP = timedelta(hours=1)  # counts older than this are deleted when a new window starts
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def window_start(now: datetime) -> datetime:
    return now - (now - _EPOCH) % WINDOW


def chat_is_slowed(ctx: Ctx, identity: ChatIdentity) -> bool:
    """Has this chat typed its limit of wrong codes in this window?"""
    wrong = ctx.s.scalar(select(InviteGuessChat.wrong).where(
        InviteGuessChat.window_start == window_start(ctx.now), InviteGuessChat.identity_id == identity.id))
    return (wrong or 0) >= PER_CHAT


def bot_is_slowed(ctx: Ctx) -> bool:
    """Has the whole bot seen its limit of wrong codes in this window?"""
    wrong = ctx.s.scalar(select(InviteGuessWindow.wrong).where(
        InviteGuessWindow.window_start == window_start(ctx.now)))
    return (wrong or 0) >= ctx.settings.invite_guesses_per_window


def count_wrong(ctx: Ctx, identity: ChatIdentity) -> None:
    """One more wrong code from this chat, counted for it and for the bot (atomic increments)."""
    start = window_start(ctx.now)
    unknown = 1 if identity.person_id is None else 0
    windows: Any = InviteGuessWindow.__table__
    chats: Any = InviteGuessChat.__table__
    if insert_ignore(ctx.s, windows, {"window_start": start, "wrong": 0, "unknown_wrong": 0},
                     ["window_start"]) is not None:
        _forget_old(ctx, start)
    ctx.s.execute(update(InviteGuessWindow).where(InviteGuessWindow.window_start == start).values(
        wrong=InviteGuessWindow.wrong + 1, unknown_wrong=InviteGuessWindow.unknown_wrong + unknown),
        execution_options={"synchronize_session": False})
    insert_ignore(ctx.s, chats, {"window_start": start, "identity_id": identity.id, "wrong": 0, "told_to_wait": False},
                  ["window_start", "identity_id"])
    ctx.s.execute(update(InviteGuessChat).where(InviteGuessChat.window_start == start,
                                                InviteGuessChat.identity_id == identity.id)
                  .values(wrong=InviteGuessChat.wrong + 1), execution_options={"synchronize_session": False})
    if unknown:
        _audit_unknown(ctx, start)


def tell_to_wait_once(ctx: Ctx, identity: ChatIdentity) -> bool:
    """True the first time in this window (the chat is told to wait), False after (it hears nothing)."""
    return claim(ctx.s, update(InviteGuessChat).where(
        InviteGuessChat.window_start == window_start(ctx.now), InviteGuessChat.identity_id == identity.id,
        InviteGuessChat.told_to_wait.is_(False)).values(told_to_wait=True))


def _audit_unknown(ctx: Ctx, start: datetime) -> None:
    """The window's one audit row for wrong codes from unlinked chats, its count kept current."""
    row = ctx.s.execute(select(InviteGuessWindow.unknown_wrong, InviteGuessWindow.audit_id)
                        .where(InviteGuessWindow.window_start == start)).one()
    detail = f"{row.unknown_wrong} wrong codes from unlinked chats since {start:%Y-%m-%d %H:%M} UTC"
    if row.audit_id is not None:
        ctx.s.execute(update(AuditEvent).where(AuditEvent.id == row.audit_id).values(detail=detail),
                      execution_options={"synchronize_session": False})
        return
    event = audit.record(ctx, Actor("unlinked chats"), "invite.guesses", subject="invite.check",
                         outcome="refused", detail=detail)
    ctx.s.flush()
    event_id = event.id
    if not claim(ctx.s, update(InviteGuessWindow).where(InviteGuessWindow.window_start == start,
                                                        InviteGuessWindow.audit_id.is_(None))
                 .values(audit_id=event_id)):
        ctx.s.delete(event)  # another instance wrote the window's row first


def _forget_old(ctx: Ctx, start: datetime) -> None:
    ctx.s.execute(delete(InviteGuessChat).where(InviteGuessChat.window_start < start - KEEP))
    ctx.s.execute(delete(InviteGuessWindow).where(InviteGuessWindow.window_start < start - KEEP))
