"""What a network member reads: joining and leaving, commitments and check-ins, meetings, their settings.

Rules for every text here (shared/domain.md): the family's alias, never a child's name; no
allegation or case detail in anything a family member's phone shows; plain words; short;
strength-based.
"""

from __future__ import annotations

from functools import lru_cache

from messages.catalog import Translator
from messages.labels import ANSWER_ICONS, answer_label, meeting_kind_label
from messages.outbound import Button, OutboundMessage


def consent_request(tr: Translator, alias: str, agree: str, decline: str) -> OutboundMessage:
    text = "\n\n".join([
        tr._("Hello! You have been invited to join the safety network for {alias}.").format(alias=alias),
        tr._("What FamilyTeam does: it reminds you of what you agreed to do in the plan, asks you short "
             "check-ins (done / not done / worried), and reminds you of meetings."),
        tr._("What it keeps: your name, your answers and notes, and when you gave them. Who sees them: "
             "the family's caseworker and their team. Nobody else."),
        tr._("You can leave at any time by sending /stop."),
        tr._("Do you agree?"),
    ])
    return OutboundMessage(text, [[Button(tr._("I agree"), agree, "primary"), Button(tr._("No thanks"), decline)]])


def joined(tr: Translator, alias: str) -> OutboundMessage:
    return OutboundMessage(tr._("Thank you for joining the safety network for {alias}. "
                                "Your commitments will be shown here.").format(alias=alias))


def declined(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("That's fine. Nothing has been linked and nothing more will be sent."))


def invite_problem(tr: Translator, problem: str) -> OutboundMessage:
    text = {
        "used": tr._("This invite code has already been used. Please ask the caseworker for a new one."),
        "expired": tr._("This invite code has expired. Please ask the caseworker for a new one."),
        "declined": tr._("You said no to this invite, so it is closed and this button no longer works. "
                         "If you change your mind, please ask the caseworker for a new invite."),
        "unknown": tr._("We don't recognise this invite code. Please check it, or ask the caseworker."),
        "slow_down": tr._("Too many codes were tried. Please wait a few minutes and try again."),
        "already": tr._("You are already part of this network."),
        "other_chat": tr._("This invitation was opened in another chat. Ask your caseworker for a new one if "
                           "you need it."),
    }[problem]
    return OutboundMessage(text)


def start_without_code(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("Welcome to FamilyTeam. To join a family's safety network you need an invite "
                                "from their caseworker. Open the invite link, or send /start and the code."))


def left(tr: Translator, alias: str) -> OutboundMessage:
    return OutboundMessage(tr._("You have left the safety network for {alias}. Thank you for your help. "
                                "The caseworker has been told.").format(alias=alias))


def stop_confirm(tr: Translator, aliases: list[str], yes: str, no: str) -> OutboundMessage:
    text = tr._("Do you want to leave the safety network for {aliases}? You will get no more check-ins or "
                "reminders, and the caseworker will be told.").format(aliases=", ".join(aliases))
    return OutboundMessage(text, [[Button(tr._("Yes, leave"), yes, "danger"), Button(tr._("No, stay"), no)]])


def stop_cancelled(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("Good. You are still part of the safety network. Nothing has changed."))


def not_in_network(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("You are not in a family's safety network at the moment."))


def your_commitments(tr: Translator, alias: str, items: list[tuple[str, str | None]], changed: bool) -> OutboundMessage:
    head = (tr._("Your commitments for {alias} have changed. This is what you agreed to do now:")
            if changed else tr._("Your commitments for {alias}:")).format(alias=alias)
    if not items:
        return OutboundMessage(head + "\n" + tr._("You have no commitments at the moment."))
    lines = [head]
    for text, next_text in items:
        lines.append("• " + text + (" — " + tr._("next: {when}").format(when=next_text) if next_text else ""))
    return OutboundMessage("\n".join(lines), discreet_text=tr._("Your plan has an update."))


@lru_cache(maxsize=8)
def _prompt_words(tr: Translator) -> tuple[str, ...]:
    """A check-in question's fixed words in one language, looked up once (a tick asks hundreds)."""
    return (tr._("Check-in for {alias} ({due}):"), tr._("Sorry this is late:"), "✅ " + tr._("Done"),
            "❌ " + tr._("Not done"), "⚠️ " + tr._("Worried"), tr._("Add a note"), tr._("You have a new check-in."))


def checkin_prompt(tr: Translator, alias: str, question: str, due: str, data: dict[str, str],
                   late: bool = False) -> OutboundMessage:
    """`late`: asked well after its time (the bot could not ask it then), and it says so."""
    head, sorry, done, not_done, worried, note, neutral = _prompt_words(tr)
    text = head.format(alias=alias, due=due) + "\n" + question
    if late:
        text = sorry + " " + text
    buttons = [[Button(done, data["done"], "primary"), Button(not_done, data["not_done"]),
                Button(worried, data["worried"], "danger")]]
    if "note" in data:
        buttons.append([Button(note, data["note"])])
    return OutboundMessage(text, buttons, discreet_text=neutral)


def answer_recorded(tr: Translator, question: str, answer: str, at: str, late: bool) -> OutboundMessage:
    """The check-in question, edited once answered: what was recorded and when, and no buttons left."""
    line = tr._("Recorded: {answer} at {at}.").format(answer=answer_label(tr, answer), at=at)
    if late:
        line += " " + tr._("(late)")
    if answer == "done":
        line += " " + tr._("Thank you!")
    line += "\n" + tr._("To add a note, just send it as your next message.")
    return OutboundMessage(question + "\n" + ANSWER_ICONS[answer] + " " + line,
                           discreet_text=tr._("Your answer has been recorded."))


def role_name(tr: Translator, role: str) -> str:
    """Who has an alert, as a member is told: a role, never a name."""
    return {
        "caseworker": tr._("the caseworker"),
        "cover": tr._("the worker covering for the caseworker"),
        "supervisor": tr._("the caseworker's supervisor"),
        "duty": tr._("the duty team"),
    }.get(role, tr._("the caseworker"))


def _roles(tr: Translator, roles: list[str]) -> str:
    return ", ".join(role_name(tr, r) for r in roles)


def _nobody(tr: Translator) -> str:
    return tr._("I could not alert anyone at the agency just now: nobody there can be reached by this service. "
                "Please contact the agency directly.")


def worried_reply(tr: Translator, emergency: str, roles: list[str]) -> OutboundMessage:
    """`roles`: who was actually alerted (the alerts written), first told first; none: nobody could be."""
    if roles:
        first = tr._("Thank you for telling us. An urgent alert is being sent to {who} now. If nobody takes it "
                     "up in time, it goes on to the next person, and I will tell you.").format(who=_roles(tr, roles))
    else:
        first = tr._("Thank you for telling us.") + " " + _nobody(tr)
    return OutboundMessage("\n".join([first, _danger(tr, emergency)]),
                           discreet_text=tr._("Thank you, your message has been passed on.")
                           if roles else tr._("Thank you. Please open this message."))


def not_done_reply(tr: Translator, escalated: bool, roles: list[str] | None = None,
                   emergency: str = "999") -> OutboundMessage:
    if escalated and roles:
        return OutboundMessage(tr._("Thank you for being honest. This is part of the family's bottom lines, "
                                    "so an urgent alert is being sent to {who} now.").format(who=_roles(tr, roles)),
                               discreet_text=tr._("Thank you, your message has been passed on."))
    if escalated:
        return OutboundMessage("\n".join([
            tr._("Thank you for being honest. This is part of the family's bottom lines.") + " " + _nobody(tr),
            _danger(tr, emergency)]), discreet_text=tr._("Thank you. Please open this message."))
    return OutboundMessage(tr._("Thank you for letting us know. It's fine to say when something didn't happen."),
                           discreet_text=tr._("Your answer has been recorded."))


def cover_started(tr: Translator, alias: str, cover_first_name: str | None, until: str) -> OutboundMessage:
    """The caseworker is away: who covers (first name and role only) and until when."""
    if cover_first_name:
        text = tr._("The caseworker for {alias} is away until {until}. Until then {name}, the worker covering, "
                    "will see your messages and any worry you raise.").format(alias=alias, until=until,
                                                                              name=cover_first_name)
    else:
        text = tr._("The caseworker for {alias} is away until {until}. Until then the duty team will see your "
                    "messages and any worry you raise.").format(alias=alias, until=until)
    return OutboundMessage(text, discreet_text=tr._("There is a change in who is looking after your network."))


def alert_moved(tr: Translator, role: str) -> OutboundMessage:
    """Nobody took up what the member raised in time: it has just gone on to someone new."""
    return OutboundMessage(tr._("Nobody has taken up what you told us yet, so the alert is now being sent to "
                                "{who} as well.").format(who=role_name(tr, role)),
                           discreet_text=tr._("Your message has been passed on to someone else as well."))


def nudge(tr: Translator, question: str, due: str, data: dict[str, str]) -> OutboundMessage:
    text = tr._("A gentle reminder: we haven't heard back about this check-in ({due}). "
                "You can still answer.").format(due=due) + "\n" + question
    buttons = [[Button("✅ " + tr._("Done"), data["done"], "primary"),
                Button("❌ " + tr._("Not done"), data["not_done"]),
                Button("⚠️ " + tr._("Worried"), data["worried"], "danger")]]
    return OutboundMessage(text, buttons, discreet_text=tr._("You have a check-in waiting."))


def answer_already(tr: Translator, answer: str) -> OutboundMessage:
    return OutboundMessage(tr._("We already have your answer: {answer}.").format(answer=answer_label(tr, answer)))


def note_prompt(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("Please type your note and send it."))


def note_saved(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("Your note has been saved. Thank you."))


def no_open_checkin(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("There is no check-in waiting for an answer right now."))


def today_checkins(tr: Translator, items: list[tuple[str, str, str]]) -> OutboundMessage:
    """(time, question, state) for today's check-ins."""
    if not items:
        return OutboundMessage(tr._("No check-ins today."))
    lines = [tr._("Today's check-ins:")]
    lines += [f"{ANSWER_ICONS[state]} {when} {question} ({answer_label(tr, state)})" for when, question, state in items]
    return OutboundMessage("\n".join(lines))


def meeting_notice(tr: Translator, alias: str, kind: str, when: str, place: str, data: dict[str, str],
                   reminder: bool, coming: bool = False) -> OutboundMessage:
    """An invitation or a reminder asking "Can you come?"; someone who already said Coming is only reminded."""
    head = (tr._("Reminder: {meeting} for {alias}") if reminder else tr._("You are invited: {meeting} for {alias}"))
    lines = [head.format(meeting=meeting_kind_label(tr, kind), alias=alias), "🕒 " + when]
    if place:
        lines.append("📍 " + place)
    if coming:
        lines.append(tr._("You said you are coming. See you there."))
        return OutboundMessage("\n".join(lines), discreet_text=tr._("You have a meeting reminder."))
    lines.append(tr._("Can you come?"))
    buttons = [[Button(tr._("Coming"), data["coming"], "primary"), Button(tr._("Can't come"), data["cant_come"])]]
    return OutboundMessage("\n".join(lines), buttons, discreet_text=tr._("You have a meeting reminder."))


def meeting_cancelled(tr: Translator, alias: str, kind: str, when: str) -> OutboundMessage:
    text = tr._("Cancelled: {meeting} for {alias} on {when}. You will hear if a new time is set.")
    return OutboundMessage(text.format(meeting=meeting_kind_label(tr, kind), alias=alias, when=when),
                           discreet_text=tr._("You have a meeting update."))


def meeting_reply_recorded(tr: Translator, reply: str) -> OutboundMessage:
    if reply == "coming":
        return OutboundMessage(tr._("Thank you, we have you down as coming."))
    return OutboundMessage(tr._("Thank you for letting us know you can't come."))


def next_meeting(tr: Translator, kind: str | None, when: str | None, place: str | None) -> OutboundMessage:
    if kind is None or when is None:
        return OutboundMessage(tr._("No meeting is planned at the moment."))
    text = tr._("Next: {meeting}").format(meeting=meeting_kind_label(tr, kind)) + "\n🕒 " + when
    return OutboundMessage(text + ("\n📍 " + place if place else ""))


def quiet_set(tr: Translator, start: str, end: str) -> OutboundMessage:
    return OutboundMessage(tr._("Quiet hours set: no routine messages from {start} to {end}. "
                                "Check-ins you committed to still come at their time.").format(start=start, end=end))


def quiet_help(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("To set quiet hours, send for example: /quiet 21:00-08:00"))


def timezone_set(tr: Translator, zone: str) -> OutboundMessage:
    return OutboundMessage(tr._("Time zone set to {zone}. Times will be shown in it.").format(zone=zone))


def timezone_help(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("To set your time zone, send for example: /timezone Europe/Madrid"))


def reveal_label(tr: Translator) -> str:
    return tr._("Show")


def hide_label(tr: Translator) -> str:
    return tr._("Hide")


def discreet_generic(tr: Translator) -> str:
    """What a discreet member sees of a message that has no neutral line of its own, until they tap Show."""
    return tr._("You have a message from FamilyTeam.")


def discreet_set(tr: Translator, on: bool) -> OutboundMessage:
    if on:
        return OutboundMessage(tr._("Discreet mode is on: messages will only say that something is waiting, "
                                    "and show the details when you tap Show."), neutral=True)
    return OutboundMessage(tr._("Discreet mode is off: messages will show their details straight away."))


def refused(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("Sorry, you can't do that here."))


def help_text(tr: Translator) -> OutboundMessage:
    return OutboundMessage("\n".join([
        tr._("FamilyTeam helps the family's safety network keep the plan."),
        tr._("Answer check-ins with the buttons, or write: done, not done, worried."),
        _worry_in_words(tr),
        "/mine — " + tr._("my commitments and today's check-ins"),
        "/next — " + tr._("the next meeting"),
        "/language — " + tr._("change language"),
        "/pause — " + tr._("pause reminders for a while"),
        "/quiet 21:00-08:00 — " + tr._("your quiet hours"),
        "/timezone Europe/Madrid — " + tr._("your time zone"),
        "/discreet — " + tr._("only show details after a tap (for a shared phone)"),
        "/stop — " + tr._("leave the network"),
    ]))


def _worry_in_words(tr: Translator) -> str:
    return tr._("If you are worried about the children, write it in your own words: the caseworker or the "
                "worker on duty is told at once.")


def _danger(tr: Translator, emergency: str) -> str:
    return tr._("If anyone is in danger right now, call {number}.").format(number=emergency)


def ordinary_reply(tr: Translator, emergency: str) -> OutboundMessage:
    """What the member hears after a message the bot does not act on: nobody has seen it, and what works."""
    return OutboundMessage("\n".join([
        tr._("This message has not been passed on to anyone: I only read check-in answers, worries and a few "
             "commands. For anything else, please contact your caseworker directly."),
        tr._("Answer check-ins with the buttons, or write: done, not done, worried."),
        _worry_in_words(tr),
        _danger(tr, emergency),
        tr._("Send /help to see everything I can do."),
    ]), discreet_text=tr._("This message has not been passed on. Send /help to see what I can do."))


def worried_former_reply(tr: Translator, alias: str, told: str, emergency: str) -> OutboundMessage:
    """A worry from someone who has left (or was removed from) a family's network: it went to that family's
    team all the same, and they are told exactly who has it."""
    return OutboundMessage("\n".join([
        tr._("Thank you for telling us. You are no longer in the safety network for {alias}, but this has been "
             "passed on to {told} now.").format(alias=alias, told=told),
        _danger(tr, emergency),
    ]), discreet_text=tr._("Thank you, your message has been passed on."))


def worry_not_passed_on(tr: Translator, emergency: str) -> OutboundMessage:
    """A worry from someone who is in no family's network now: there is nobody to tell."""
    return OutboundMessage("\n".join([
        tr._("You are not in a family's safety network at the moment, so I could not pass this on to anyone."),
        _danger(tr, emergency),
    ]))


def typed_only(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("I can only read typed messages. Please write your answer or use the buttons."))


def private_only(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("I only work in private chats. Please message me directly."))


def language_set(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("Language changed to English."))


def language_choice(tr: Translator, data: dict[str, str]) -> OutboundMessage:
    choices = [[Button("English", data["en"]), Button("Español", data["es"]), Button("Polski", data["pl"])]]
    return OutboundMessage(tr._("Choose your language:"), choices)


def paused(tr: Translator, until: str) -> OutboundMessage:
    return OutboundMessage(tr._("Reminders are paused until {until}. Check-ins you committed to and anything urgent "
                                "still come through.").format(until=until))
