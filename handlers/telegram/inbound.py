"""A Telegram Update -> the core's normalised Inbound, or Ignored (why there is nothing for the core to do).

Private chats: the chat id (== the user's id) is the external id. Anything from a group or channel
becomes a non-private event for the group's own chat id, so the only reply ("I only work in private
chats") goes to the group and no family content ever does. In groups only commands, mentions of the
bot and the bot being added are answered, so the bot does not reply to every message there; channel
posts, edits in groups and service messages are ignored.

Every shape a private chat sends is read: new and edited messages (`edited=True`), forwards
(`forwarded_from`: the original sender's name, a chat's title, or the name Telegram gives for a hidden
sender; never a command), media (`media`, with a caption as the text), and the person blocking or
unblocking the bot (`my_chat_member` -> BLOCKED / UNBLOCKED).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from telegram import (
    CallbackQuery,
    Chat,
    ChatMember,
    ChatMemberUpdated,
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)

from bot.ports import Inbound, InboundKind, MediaKind

PLATFORM = "telegram"

# The message's attribute -> what the core is told it carried (first match wins: an animation also has a
# document, a venue also has a location).
MEDIA = (("voice", MediaKind.VOICE), ("audio", MediaKind.VOICE), ("video_note", MediaKind.VIDEO),
         ("video", MediaKind.VIDEO), ("animation", MediaKind.VIDEO), ("photo", MediaKind.PHOTO),
         ("sticker", MediaKind.STICKER), ("document", MediaKind.DOCUMENT), ("venue", MediaKind.LOCATION),
         ("location", MediaKind.LOCATION), ("contact", MediaKind.CONTACT))


@dataclass(frozen=True)
class Ignored:
    """An update with nothing for the core to do, and why (a metric label: a small fixed set of words)."""

    reason: str


def _command(text: str, bot_username: str | None) -> tuple[str, str] | None:
    """("start", "CODE") from "/start CODE" or "/start@OurBot CODE"; None if not a command for us."""
    if not text.startswith("/"):
        return None
    head, _, args = text.partition(" ")
    name, _, to = head[1:].partition("@")
    if to and bot_username and to.lower() != bot_username.lower():
        return None  # addressed to another bot in a group
    if not name:
        return None
    return name.lower(), args.strip()


def _mentions(message: Message, bot_username: str | None) -> bool:
    text = message.text or message.caption or ""
    return bool(bot_username) and f"@{bot_username}".lower() in text.lower()


def media_kind(message: Message) -> MediaKind | None:
    """What the message carried besides text: None for a plain text (or service) message."""
    for attribute, kind in MEDIA:
        if getattr(message, attribute, None):
            return kind
    with warnings.catch_warnings():  # successful_payment is deprecated as an attachment: still "other"
        warnings.simplefilter("ignore", DeprecationWarning)
        return MediaKind.OTHER if message.effective_attachment else None


def forwarded_from(message: Message) -> str | None:
    """Who wrote a forwarded message: a user's name, a chat's or channel's title, the name Telegram shows for
    a sender who hides their account; "" if it gives none; None if the message is not a forward."""
    origin = message.forward_origin
    if origin is None:
        return None
    if isinstance(origin, MessageOriginUser):
        return origin.sender_user.full_name
    if isinstance(origin, MessageOriginHiddenUser):
        return origin.sender_user_name or ""
    if isinstance(origin, MessageOriginChat):
        return origin.sender_chat.effective_name or ""
    if isinstance(origin, MessageOriginChannel):
        return origin.chat.effective_name or ""
    return ""


def _press(query: CallbackQuery, event_id: str) -> Inbound | Ignored:
    user, chat = query.from_user, query.message.chat if query.message is not None else None
    if chat is None or user.is_bot:
        return Ignored("inline")  # an inline-mode message: never sent by this bot
    private = chat.type == Chat.PRIVATE
    return Inbound(PLATFORM, str(chat.id), InboundKind.BUTTON, data=query.data or "", private=private,
                   display_name=user.full_name if private else None, language=user.language_code, event_id=event_id)


def _membership(member: ChatMemberUpdated, event_id: str) -> Inbound | Ignored:
    """The bot's own membership: blocked or unblocked in a private chat, added to a group."""
    new, old = member.new_chat_member.status, member.old_chat_member.status
    if member.chat.type == Chat.PRIVATE:
        if new == ChatMember.BANNED:  # "kicked": the person blocked the bot
            return Inbound(PLATFORM, str(member.chat.id), InboundKind.BLOCKED, event_id=event_id)
        if new == ChatMember.MEMBER and old == ChatMember.BANNED:
            return Inbound(PLATFORM, str(member.chat.id), InboundKind.UNBLOCKED, event_id=event_id,
                           display_name=member.from_user.full_name, language=member.from_user.language_code)
        return Ignored("membership")
    if new in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR):
        return Inbound(PLATFORM, str(member.chat.id), InboundKind.TEXT, private=False, event_id=event_id)
    return Ignored("membership")


def _in_group(message: Message, edited: bool, bot_username: str | None, event_id: str) -> Inbound | Ignored:
    text = message.text or message.caption or ""
    if edited or (_command(text, bot_username) is None and not _mentions(message, bot_username)):
        return Ignored("group")
    return Inbound(PLATFORM, str(message.chat.id), InboundKind.TEXT, private=False, event_id=event_id)


def _message(message: Message, edited: bool, bot_username: str | None, event_id: str) -> Inbound | Ignored:
    user = message.from_user
    if user is None or user.is_bot:
        return Ignored("bot")  # a bot, or a group's anonymous admin
    if message.chat.type != Chat.PRIVATE:
        return _in_group(message, edited, bot_username, event_id)
    text = message.text or message.caption or ""
    media, forward = media_kind(message), forwarded_from(message)
    if not text and media is None:
        return Ignored("service")  # a pinned message, "write access allowed", ...: nothing said
    chat, name, language = str(message.chat.id), user.full_name, user.language_code
    command = _command(text, bot_username) if forward is None and media is None else None
    if command is not None:  # a forward is someone else's words: never a command
        return Inbound(PLATFORM, chat, InboundKind.COMMAND, command=command[0], args=command[1], display_name=name,
                       language=language, event_id=event_id, edited=edited)
    return Inbound(PLATFORM, chat, InboundKind.TEXT, text=text, display_name=name, language=language,
                   event_id=event_id, edited=edited, forwarded_from=forward, media=media,
                   message_ref=str(message.message_id))


def _update_type(update: Update) -> str:
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return str(kind)
    return "empty"


def to_inbound(update: Update, bot_username: str | None) -> Inbound | Ignored:
    event_id = str(update.update_id)
    if update.callback_query is not None:
        return _press(update.callback_query, event_id)
    if update.my_chat_member is not None:
        return _membership(update.my_chat_member, event_id)
    if update.message is not None:
        return _message(update.message, False, bot_username, event_id)
    if update.edited_message is not None:
        return _message(update.edited_message, True, bot_username, event_id)
    return Ignored(_update_type(update))  # channel posts and their edits, polls, reactions, ...
