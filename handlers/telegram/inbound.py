"""A Telegram Update -> the core's normalised Inbound (or None: nothing for the core to do).

Private chats: the chat id (== the user's id) is the external id. Anything from a group or channel
becomes a non-private event for the group's own chat id, so the only reply ("I only work in private
chats") goes to the group and no family content ever does. In groups only commands, mentions of the
bot and the bot being added are answered, so the bot does not reply to every message there.
"""

from __future__ import annotations

from telegram import Chat, Message, Update

from bot.ports import Inbound

PLATFORM = "telegram"


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


def to_inbound(update: Update, bot_username: str | None) -> Inbound | None:
    event_id = str(update.update_id)
    query = update.callback_query
    if query is not None:
        user, chat = query.from_user, query.message.chat if query.message is not None else None
        if chat is None or user.is_bot:
            return None  # an inline-mode message: never sent by this bot
        private = chat.type == Chat.PRIVATE
        return Inbound(PLATFORM, str(chat.id), "button", data=query.data or "", private=private,
                       display_name=user.full_name if private else None, language=user.language_code,
                       event_id=event_id)
    member = update.my_chat_member
    if member is not None:
        joined = member.new_chat_member.status in ("member", "administrator")
        if member.chat.type != Chat.PRIVATE and joined:
            return Inbound(PLATFORM, str(member.chat.id), "text", private=False, event_id=event_id)
        return None
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None  # edited messages, channel posts, service messages: nothing to do
    user, chat = message.from_user, message.chat
    private = chat.type == Chat.PRIVATE
    text = message.text or message.caption or ""
    command = _command(text, bot_username)
    if not private:
        if command is None and not _mentions(message, bot_username):
            return None
        return Inbound(PLATFORM, str(chat.id), "text", private=False, event_id=event_id)
    if command is not None:
        return Inbound(PLATFORM, str(chat.id), "command", command=command[0], args=command[1],
                       display_name=user.full_name, language=user.language_code, event_id=event_id)
    # A voice note, sticker or photo without a caption arrives as empty text: the router asks them to type.
    return Inbound(PLATFORM, str(chat.id), "text", text=text, display_name=user.full_name,
                   language=user.language_code, event_id=event_id)
