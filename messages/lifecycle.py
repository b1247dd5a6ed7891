"""The end of a case: the goodbye to members (kind, no case details), the note to staff with how to export the
record, and the answers to /forget."""

from __future__ import annotations

from messages.catalog import Translator
from messages.outbound import OutboundMessage


def network_ended(tr: Translator, alias: str, emergency: str) -> OutboundMessage:
    text = " ".join([
        tr._("Thank you for everything you have done as part of the network for {alias}.").format(alias=alias),
        tr._("The network's work through FamilyTeam has now ended, so you will not get any more check-ins or "
             "reminders from us."),
        tr._("If you are ever worried about a child's safety, call {number}.").format(number=emergency),
    ])
    return OutboundMessage(text, discreet_text=tr._("You have a message from FamilyTeam."))


def case_closed_staff(tr: Translator, alias: str, family_id: int, erase_on: str) -> OutboundMessage:
    text = " ".join([
        tr._("{alias} is closed: members have been told, check-ins, reminders and invites have stopped.").format(
            alias=alias),
        tr._("Its personal data will be erased on {date}. To keep the record, export it before then: "
             "familyteam export --family {id} > record.json").format(date=erase_on, id=family_id),
    ])
    return OutboundMessage(text, title=tr._("Family closed"))


def forget_needs_stop(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("To have FamilyTeam forget you, first leave the network with /stop, then send "
                                "/forget."))


def forgotten(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("Done: your name, your answers and notes, and this chat's link to FamilyTeam are "
                                "being erased. Nothing more will be sent. Thank you for your help."))


def nothing_to_forget(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("There is nothing of yours left to erase."))


def close_needs_family(tr: Translator, name: str) -> str:
    if name.strip():
        return tr._("No family of yours is called {name}.").format(name=name.strip())
    return tr._("Name the family to close, e.g. /familyteam close the Rowan family")


def closed_reply(tr: Translator, alias: str, told: int, erase_on: str, family_id: int) -> str:
    return " ".join([
        tr.ngettext("{alias} is closed; {n} member was told.", "{alias} is closed; {n} members were told.",
                    told).format(alias=alias, n=told),
        tr._("Its personal data will be erased on {date}. To keep the record, export it before then: "
             "familyteam export --family {id} > record.json").format(date=erase_on, id=family_id),
    ])
