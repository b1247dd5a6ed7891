"""The two-way relay: what members hear after writing (who will see it, and when, truthfully), what staff
read in a member's thread, a staff reply as the member reads it, and chats that block the bot."""

from __future__ import annotations

from dataclasses import dataclass

from messages.catalog import Translator
from messages.outbound import Button, OutboundMessage

# --- who: the role actually told ---------------------------------------------------------------------


def role_phrase(tr: Translator, role: str) -> str:
    """The role told, as the member reads it inside a sentence."""
    return {
        "caseworker": tr._("your caseworker"),
        "cover": tr._("the worker covering for your caseworker"),
        "supervisor": tr._("your caseworker's supervisor"),
        "duty": tr._("the duty team"),
    }.get(role, tr._("the team supporting your family"))


def _danger(tr: Translator, emergency: str) -> str:
    return tr._("If anyone is in danger right now, call {number}.").format(number=emergency)


@dataclass(frozen=True)
class Told:
    """Who a relay reached: their role, and when they will see it (None: now). None as a whole: nobody."""

    role: str
    when: str | None = None


def _told(tr: Translator, told: Told | None, what: str) -> str:
    """One sentence: who has been told (now), or will be (when), or that nobody could be."""
    if told is None:
        return tr._("It is kept, but I could not pass it on to anyone yet.")
    who = role_phrase(tr, told.role)
    if told.when is None:
        return {
            "message": tr._("Your message has been passed on to {who}."),
            "voice": tr._("I have told {who} that a voice note arrived, so they can call you back."),
            "media": tr._("I have told {who} that it arrived."),
            "long": tr._("I have told {who} that a long message arrived, with its beginning."),
        }[what].format(who=who)
    return {
        "message": tr._("Your message will reach {who} on {when}, in their working hours."),
        "voice": tr._("A note that a voice note arrived will reach {who} on {when}, so they can call you back."),
        "media": tr._("A note that it arrived will reach {who} on {when}."),
        "long": tr._("A note that a long message arrived, with its beginning, will reach {who} on {when}."),
    }[what].format(who=who, when=told.when)


def relayed_reply(tr: Translator, told: Told | None, emergency: str) -> OutboundMessage:
    """After a message the bot does not act on itself: it is passed on, and the member is told to whom."""
    return OutboundMessage("\n".join([tr._("Thank you."), _told(tr, told, "message"), _danger(tr, emergency)]),
                           discreet_text=tr._("Thank you, your message has been passed on."))


def media_label(tr: Translator, media: str) -> str:
    return {
        "voice": tr._("a voice note"), "photo": tr._("a photo"), "video": tr._("a video"),
        "document": tr._("a document"), "sticker": tr._("a sticker"), "location": tr._("a location"),
        "contact": tr._("a contact"),
    }.get(media, tr._("a message I cannot read"))


def media_reply(tr: Translator, media: str, told: Told | None, emergency: str) -> OutboundMessage:
    """A voice note, photo, ... without words: please type, and who was told it arrived."""
    if media == "voice":
        ask, what = tr._("Please type your message: I cannot pass on voice notes."), "voice"
    else:
        ask = tr._("I cannot pass on {what}: please type what you want to say.").format(what=media_label(tr, media))
        what = "media"
    return OutboundMessage("\n".join([ask, _told(tr, told, what), _danger(tr, emergency)]))


def too_long_reply(tr: Translator, length: int, limit: int, told: Told | None, emergency: str) -> OutboundMessage:
    return OutboundMessage("\n".join([
        tr._("This message is too long to keep ({length} characters; at most {limit}). It was not passed on "
             "whole: please send it again in shorter parts.").format(length=length, limit=limit),
        _told(tr, told, "long"), _danger(tr, emergency)]))


def not_in_network(tr: Translator) -> OutboundMessage:
    """Someone linked to no family's network now (they left): a short, neutral reply."""
    return OutboundMessage(tr._("You are not in a family's safety network at the moment, so this message has "
                                "not been passed on to anyone."))


def note_updated(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("Your note has been updated. The earlier version is kept in the record."))


# --- staff: the member's thread ----------------------------------------------------------------------

@dataclass
class RelayView:
    """One member's message as staff read it in the member's thread."""

    alias: str
    member: str
    when: str
    text: str
    length: int
    edited: bool = False
    forwarded: bool = False
    forwarded_from: str | None = None
    media: str | None = None
    language_known: bool = True
    worry: bool = False  # escalated: the alert is separate
    too_long: bool = False
    limit: int = 0
    cut_at: int = 0  # shown up to this many characters
    held: bool = False  # waited for working hours
    reply: str | None = None  # the Reply button's data
    avoided: str | None = None  # the person on the people-to-avoid list this message names


def _marks(tr: Translator, v: RelayView) -> list[str]:
    marks = []
    if v.edited:
        marks.append(tr._("(edited)"))
    if v.forwarded:
        marks.append(tr._("(forwarded by {member}, from {origin})").format(member=v.member, origin=v.forwarded_from)
                     if v.forwarded_from else tr._("(forwarded by {member})").format(member=v.member))
    if not v.language_known:
        marks.append(tr._("(language not recognised)"))
    if v.worry:
        marks.append(tr._("(a worry: escalated, see the alert)"))
    return marks


def _body(tr: Translator, v: RelayView) -> list[str]:
    lines = []
    if v.media:
        label = media_label(tr, v.media)
        lines.append(tr._("{member} sent a voice note: please call them back.").format(member=v.member)
                     if v.media == "voice" else
                     tr._("{member} sent {what} (not shown here).").format(member=v.member, what=label))
    if v.too_long:
        lines.append(tr._("This message was too long to keep whole ({length} characters; at most {limit}). "
                          "{member} was asked to send it in shorter parts. It begins:").format(
            length=v.length, limit=v.limit, member=v.member))
    if v.text:
        shown = v.text if len(v.text) <= v.cut_at or not v.cut_at else v.text[:v.cut_at].rstrip() + " …"
        lines.append("> " + shown.replace("\n", "\n> "))
        if shown != v.text and not v.too_long:
            lines.append(tr._("(cut here: {length} characters in all; the whole message is in the family's "
                              "record)").format(length=v.length))
    return lines


def relay_message(tr: Translator, v: RelayView) -> OutboundMessage:
    head = tr._("{member} wrote ({when}):").format(member=v.member, when=v.when)
    lines = [" ".join([head, *_marks(tr, v)]), *_body(tr, v)]
    if v.avoided:
        lines.insert(0, "⚠️ " + tr._("This message names {name}, who is on the plan's people-to-avoid list.")
                     .format(name=v.avoided))
    if v.held:
        lines.append(tr._("(Sent outside your working hours; it waited for the morning.)"))
    lines.append(tr._("Reply in this thread to answer {member}.").format(member=v.member))
    buttons = [[Button(tr._("Reply"), v.reply)]] if v.reply else []
    return OutboundMessage("\n".join(lines), buttons=buttons,
                           title="💬 " + tr._("{member} ({alias})").format(member=v.member, alias=v.alias))


def reply_prompt(tr: Translator, member: str) -> OutboundMessage:
    return OutboundMessage(tr._("Write your reply to {member} and send it: it goes to them as from their "
                                "caseworker's team.").format(member=member))


def reply_sent(tr: Translator, member: str) -> OutboundMessage:
    return OutboundMessage(tr._("Sent to {member}. It is kept in the family's record.").format(member=member))


def staff_hint(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("To answer a member, reply in their thread, press Reply on their message, or use "
                                "/familyteam reply and the family's name, then your words."))


# --- the member reads a staff reply ------------------------------------------------------------------

def staff_reply(tr: Translator, role: str, name: str | None, text: str) -> OutboundMessage:
    head = {
        "caseworker": tr._("Message from your caseworker"),
        "cover": tr._("Message from the worker covering for your caseworker"),
        "supervisor": tr._("Message from your caseworker's supervisor"),
        "duty": tr._("Message from the duty worker"),
    }.get(role, tr._("Message from the team supporting your family"))
    if name:
        head = f"{head} ({name})"
    return OutboundMessage("\n".join([head + ":", text, "", tr._("You can answer here.")]),
                           discreet_text=tr._("You have a new message."))


# --- chats that block the bot ------------------------------------------------------------------------

def chat_blocked_notice(tr: Translator, alias: str, member: str, unreachable: list[str], certain: bool
                        ) -> OutboundMessage:
    """`certain`: the platform said they blocked the bot; otherwise a send found the chat unreachable."""
    first = (tr._("{member} ({alias}) has blocked the bot: nothing reaches them by chat now.") if certain else
             tr._("We can no longer reach {member} ({alias}) by chat: they may have blocked the bot. "
                  "Their check-ins will not arrive until this is fixed."))
    lines = [first.format(member=member, alias=alias)]
    if unreachable:
        lines.append(tr._("These commitments now have nobody reachable:"))
        lines += ["• " + c for c in unreachable]
    return OutboundMessage("\n".join(lines))


def chat_unblocked_notice(tr: Translator, alias: str, member: str) -> OutboundMessage:
    return OutboundMessage(tr._("{member} ({alias}) has unblocked the bot: messages reach them again.").format(
        member=member, alias=alias))


def outage_notice(tr: Translator, alias: str, since: str, until: str,
                  items: list[tuple[str, str, str, bool]]) -> OutboundMessage:
    """Check-ins the bot could not ask (it was down, the chat platform was unreachable, or the chat blocked
    it): (when due, member, question, is a bottom line). They are not misses: nobody was nudged or alerted."""
    lines = [tr._("The service could not ask these check-ins for {alias} between {since} and {until} (the bot "
                  "or the chat platform was down, or the chat could not be reached). They are recorded as not "
                  "asked, not as missed: nobody was reminded or alerted.").format(alias=alias, since=since,
                                                                                until=until)]
    lines += ["• " + f"{when}, {member}: {question}"
              for when, member, question, _ in items]
    bottom = [(when, member, question) for when, member, question, is_bottom in items if is_bottom]
    if bottom:
        lines.append(tr._("Bottom lines not checked: please check these by hand with the member:"))
        lines += ["• " + f"{when}, {member}: {question}"
                  for when, member, question in bottom]
    return OutboundMessage("\n".join(lines))
