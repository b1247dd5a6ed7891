"""TelegramAdapter: a Transport (send/edit for the outbox dispatcher) and a Service (polling or webhook).

Handler code stays thin: an Update becomes an Inbound (inbound.py) and the conversation router (bot/conversation)
does the rest.
Outbound messages are plain text with an inline keyboard (render.py); errors become DeliveryError kinds
the dispatcher understands.
"""

from __future__ import annotations

import asyncio
import logging
import os
import warnings
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx
from aiohttp import web
from telegram import InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, Application, BaseRateLimiter, ContextTypes, TypeHandler
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.conversation import commands
from bot.metrics import record_ignored, record_unreadable
from bot.ports import Delivery, DeliveryError, Inbound, InboundSink, SendLimits
from handlers.telegram.inbound import PLATFORM, Ignored, to_inbound
from handlers.telegram.links import api_base_urls, deep_link
from handlers.telegram.pacing import ChatPacer
from handlers.telegram.reading import ReadingBot, is_unreadable
from handlers.telegram.render import clip, split_text, visible
from handlers.telegram.webhook import make_route, webhook_path, webhook_secret
from messages.catalog import SUPPORTED_LANGUAGES, translator
from messages.outbound import OutboundMessage
from messages.telegram import command_menu

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

# Opt in to PTB's future behaviour (time periods as timedelta) so it does not warn on every RetryAfter;
# retry_seconds() reads both forms. An explicit PTB_TIMEDELTA in the environment wins.
os.environ.setdefault("PTB_TIMEDELTA", "true")

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
POLLING_RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)  # about a minute before an update is given up
NOT_MODIFIED = "message is not modified"
EDIT_GONE = ("message to edit not found", "message can't be edited")
# Telegram's published limits (about 30 messages a second overall, one a second in one chat), kept with a
# margin for the network's jitter: the dispatcher paces every send to them (bot.engine.pacing).
LIMITS = SendLimits(per_second=29.5, burst=1, chat_interval=1.05)
NEVER_LEFT = (httpx.ConnectTimeout, httpx.PoolTimeout)  # timeouts before the request was sent


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int, or a timedelta with PTB_TIMEDELTA=true: accept both."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def delivery_error(exc: TelegramError) -> DeliveryError:
    """A Bot API failure in the dispatcher's terms."""
    if isinstance(exc, RetryAfter):
        return DeliveryError("retry", str(exc), retry_after=retry_seconds(exc))
    if isinstance(exc, TimedOut) and not isinstance(exc.__cause__, NEVER_LEFT):
        return DeliveryError("unknown", "timed out")  # the request left: Telegram may have sent the message
    if isinstance(exc, Forbidden):  # blocked by the user, deactivated, removed from the group
        return DeliveryError("blocked", exc.message)
    if isinstance(exc, BadRequest | ChatMigrated):  # BadRequest is a NetworkError subclass: test it first
        return DeliveryError("permanent", exc.message)
    if isinstance(exc, NetworkError):  # a timeout before the request left, a connection error, a 5xx answer
        return DeliveryError("retry", exc.message)
    return DeliveryError("retry", f"{type(exc).__name__}: {exc.message}")  # InvalidToken, Conflict...: keep it


class TelegramAdapter:
    platform = PLATFORM

    def __init__(self, settings: Settings, *, sink: InboundSink, pacer: ChatPacer | None = None,
                 rate_limiter: BaseRateLimiter[Any] | None = None, poll_timeout: float = 30.0,
                 limits: SendLimits = LIMITS, send_timeout: float = 5.0) -> None:
        if not settings.telegram_bot_token:
            raise RuntimeError("TELEGRAM_BOT_TOKEN is not set")
        self.settings = settings
        self.webhook_url = settings.telegram_webhook_url or None
        self.poll_timeout = poll_timeout
        # The dispatcher spaces one chat's messages (limits); this spaces the parts of a long text, which would
        # otherwise reach Telegram at once (and a 429 for the second part would send the first again).
        self.pacer = pacer or ChatPacer(interval=limits.chat_interval, burst=1)
        self.limits = limits
        urls = api_base_urls(settings) or ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot")
        bot = ReadingBot(settings.telegram_bot_token.get_secret_value(), base_url=urls[0], base_file_url=urls[1],
                         request=HTTPXRequest(connection_pool_size=256, read_timeout=send_timeout),
                         get_updates_request=HTTPXRequest(),
                         rate_limiter=rate_limiter or AIORateLimiter(max_retries=0))  # the dispatcher owns retries
        builder = Application.builder().bot(bot)
        if self.webhook_url:
            builder = builder.updater(None)
        self.ptb = builder.build()
        self.ptb.add_handler(TypeHandler(Update, self._on_ptb_update))
        self.ptb.add_error_handler(self._on_ptb_error)
        self.sink = sink
        self.started = False
        self.username: str | None = None
        self.retry_delays: tuple[float, ...] = POLLING_RETRY_DELAYS

    @property
    def bot(self) -> Any:
        return self.ptb.bot

    # --- Service ---------------------------------------------------------------------------------

    def register_routes(self, webapp: web.Application) -> None:
        """Called before the shared HTTP server starts; only webhook mode needs a route."""
        if self.webhook_url:
            route = make_route(webhook_secret(self.settings), self._on_webhook)
            webapp.router.add_post(webhook_path(self.webhook_url), route)

    async def start(self) -> None:
        await self.ptb.initialize()  # getMe: checks the token, gives the username for invite links
        self.username = self.bot.username
        self.started = True
        await self._set_commands()
        if self.webhook_url:
            await self.bot.set_webhook(self.webhook_url, secret_token=webhook_secret(self.settings),
                                       allowed_updates=ALLOWED_UPDATES)
            log.info("telegram: webhook mode at %s as @%s", webhook_path(self.webhook_url), self.username)
            return
        await self.ptb.start()
        assert self.ptb.updater is not None
        # Also removes any webhook, which would make getUpdates fail.
        await self.ptb.updater.start_polling(timeout=timedelta(seconds=self.poll_timeout),
                                             allowed_updates=ALLOWED_UPDATES)
        log.info("telegram: long polling as @%s", self.username)

    async def stop(self) -> None:
        if self.ptb.updater is not None and self.ptb.updater.running:
            await self.ptb.updater.stop()
        if self.ptb.running:
            await self.ptb.stop()
        self.started = False
        await self.ptb.shutdown()

    async def _set_commands(self) -> None:
        """The command menu in each supported language, and the default language for everyone else."""
        menus: list[tuple[str | None, str]] = [(None, self.settings.default_language)]
        menus += [(lang, lang) for lang in SUPPORTED_LANGUAGES]
        for code, lang in menus:
            try:
                await self.bot.set_my_commands(command_menu(translator(lang), commands.MENU), language_code=code)
            except TelegramError as exc:  # a menu is a convenience: never a reason not to start
                log.warning("telegram: setMyCommands(%s) failed: %s", code, exc)

    async def invite_link(self, code: str) -> str | None:
        """ports.InviteLinks: the username is known from getMe at start, so no Bot API call here."""
        return deep_link(self.username, code) if self.username else None

    # --- inbound ---------------------------------------------------------------------------------

    async def handle_update(self, update: Update) -> None:
        """One update, polling or webhook: the core handles it (the update_id is the event id, so a
        redelivered update is processed once). Answering a button press is the caller's: in the webhook's
        HTTP response (`_on_webhook`), or beside the work when polling (`_on_ptb_update`)."""
        event = self._inbound(update)
        if event is None or not self.started:
            return
        await self.sink(event)

    async def _answer(self, query_id: str) -> None:
        """answerCallbackQuery as its own request (polling): it stops the button's spinner."""
        try:
            await self.bot.answer_callback_query(query_id)
        except TelegramError as exc:  # too old, or already answered: the press still counts
            log.info("telegram: answerCallbackQuery failed: %s", exc)

    def _inbound(self, update: Update) -> Inbound | None:
        """The update in the core's terms; None for one we have nothing to do with (counted as ignored), or
        cannot read (a field of an unexpected type: recorded redacted and counted): retrying or redelivering
        would not make it readable."""
        if is_unreadable(update):
            return None  # recorded when the polling batch was read
        try:
            event = to_inbound(update, self.username)
        except Exception as exc:
            record_unreadable(PLATFORM, update.update_id, update.to_dict(), exc)
            return None
        if isinstance(event, Ignored):
            record_ignored(PLATFORM, event.reason)
            return None
        return event

    async def _on_ptb_update(self, update: object, _context: ContextTypes.DEFAULT_TYPE | None) -> None:
        """Polling path. A button press is answered by its own request, sent at once and awaited after the
        work, so neither waits for the other. getUpdates has already confirmed the update to Telegram, so a
        failure here (the database briefly down, say) is retried in-process before giving up: nothing a
        member says should be lost. Retrying is safe: a failed attempt rolled back, and the update_id
        deduplicates."""
        if not isinstance(update, Update):
            return
        query = update.callback_query
        answering = asyncio.ensure_future(self._answer(query.id)) if query is not None else None
        try:
            await self._with_retries(update)
        finally:
            if answering is not None:
                await answering

    async def _with_retries(self, update: Update) -> None:
        for delay in self.retry_delays:
            try:
                await self.handle_update(update)
                return
            except Exception:
                log.warning("telegram: update %s failed, retrying in %ss", update.update_id, delay, exc_info=True)
                await asyncio.sleep(delay)
        await self.handle_update(update)  # the last try: a failure now goes to the error handler

    async def _on_ptb_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram: update %s could not be handled", update_id, exc_info=context.error)

    async def _on_webhook(self, payload: dict[str, Any]) -> bool | dict[str, Any]:
        """Webhook path: False while not started (503: Telegram delivers it again), else the reply body.

        A button press is answered in the HTTP response itself ({"method": "answerCallbackQuery", ...}, which
        the Bot API performs as if it were a request): no request of its own, no wait before the work. The
        response, and so the answer, goes out after the update's transaction committed: an update is never
        acknowledged before it is durably handled, and if handling fails the reply is 500, the press is not
        answered and Telegram delivers the update again (the InboundReceipt counts it once). The member's
        spinner stops when the work is done, which is what the answer means ("recorded")."""
        if not self.started:
            return False
        try:
            update = Update.de_json(payload, self.bot)
        except Exception as exc:  # KeyError, TypeError, AttributeError...: whatever the shape made PTB raise
            record_unreadable(PLATFORM, payload.get("update_id"), payload, exc)
            return True  # answered 200: Telegram would only deliver the same unreadable body again
        await self.handle_update(update)
        if update.callback_query is not None:
            return {"method": "answerCallbackQuery", "callback_query_id": update.callback_query.id}
        return True

    # --- Transport -------------------------------------------------------------------------------

    async def send(self, external_id: str, message: OutboundMessage, thread_ref: str | None = None) -> Delivery:
        text, markup = visible(message)
        chunks = split_text(text)
        reply_to = None
        if thread_ref:
            chat, _, mid = thread_ref.partition(":")
            if chat == external_id and mid.isdigit():
                reply_to = ReplyParameters(int(mid), allow_sending_without_reply=True)
        sent: Any = None
        try:
            for i, chunk in enumerate(chunks):
                last = i == len(chunks) - 1
                await self.pacer.wait(external_id)
                sent = await self.bot.send_message(
                    chat_id=int(external_id), text=chunk, reply_markup=markup if last else None,
                    reply_parameters=reply_to if i == 0 else None,
                    link_preview_options=LinkPreviewOptions(is_disabled=True))
        except TelegramError as exc:
            raise delivery_error(exc) from exc
        return Delivery(f"{sent.chat_id}:{sent.message_id}")

    async def edit(self, external_id: str, ref: str, message: OutboundMessage) -> Delivery:
        chat, _, mid = ref.partition(":")
        if chat != external_id or not mid.isdigit():
            raise DeliveryError("permanent", "not a message in this chat")
        text, markup = visible(message)
        await self.pacer.wait(external_id)
        try:
            # An empty keyboard removes the buttons: the answer is recorded, nothing is left to press.
            await self.bot.edit_message_text(
                chat_id=int(chat), message_id=int(mid), text=clip(text),
                reply_markup=markup or InlineKeyboardMarkup([]),
                link_preview_options=LinkPreviewOptions(is_disabled=True))
        except BadRequest as exc:
            detail = exc.message.lower()
            if NOT_MODIFIED in detail:
                return Delivery(ref)
            if any(gone in detail for gone in EDIT_GONE):  # deleted by the member: say it anew
                return await self.send(external_id, message)
            raise delivery_error(exc) from exc
        except TelegramError as exc:
            raise delivery_error(exc) from exc
        return Delivery(ref)
