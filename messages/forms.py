"""Texts agency staff read in forms (Slack's modals, App Home, command answers). Plain words only: no
markup in any msgid; the adapter adds emphasis (arguments such as `alias` may arrive already formatted).
Supporters on Slack get the same check-in texts as everyone, from messages/render.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from messages import render
from messages.catalog import Translator
from messages.outbound import OutboundMessage
from messages.render import ANSWER_ICONS, answer_label, meeting_kind_label

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
GRACES = ("15m", "30m", "45m", "1h", "2h", "3h", "6h", "12h", "24h")


def day_labels(tr: Translator) -> dict[str, str]:
    return {"MO": tr._("Mon"), "TU": tr._("Tue"), "WE": tr._("Wed"), "TH": tr._("Thu"), "FR": tr._("Fri"),
            "SA": tr._("Sat"), "SU": tr._("Sun")}


def grace_label(tr: Translator, grace: str) -> str:
    if grace.endswith("m"):
        return tr._("{n} minutes").format(n=grace[:-1])
    n = int(grace[:-1])
    return tr.ngettext("{n} hour", "{n} hours", n).format(n=n)


def role_labels(tr: Translator) -> dict[str, str]:
    return {"parent": tr._("Parent or carer"), "key_safety_person": tr._("Key safety person"),
            "supporter": tr._("Supporter")}


def staff_role_label(tr: Translator, role: str) -> str:
    return {"caseworker": tr._("caseworker"), "supervisor": tr._("supervisor"), "duty": tr._("duty"),
            "cover": tr._("cover")}.get(role, role)


def reason_label(tr: Translator, reason: str) -> str:
    return {"missed": tr._("no answer"), "not_done": tr._("not done"), "worried": tr._("worried")}.get(reason, reason)


def escalation_state_label(tr: Translator, state: str) -> str:
    return {"open": tr._("not acknowledged"), "acknowledged": tr._("acknowledged")}.get(state, state)


def language_labels(tr: Translator) -> dict[str, str]:
    return {"en": "English", "es": "Español", "pl": "Polski"}


def meeting_kinds(tr: Translator, kinds: list[str]) -> dict[str, str]:
    return {k: meeting_kind_label(tr, k) for k in kinds}


# --- modals ----------------------------------------------------------------------------------------

def common(tr: Translator) -> dict[str, str]:
    return {"app": "FamilyTeam", "cancel": tr._("Cancel"), "next": tr._("Next"), "done": tr._("Done"),
            "family": tr._("Family"), "choose": tr._("Choose…")}


def new_family(tr: Translator) -> dict[str, str]:
    return {
        "title": tr._("New family"), "submit": tr._("Create"),
        "alias": tr._("Family alias"),
        "alias_hint": tr._("An alias such as \"the Rowan family\", never a child's name."),
        "timezone": tr._("Time zone"), "timezone_hint": tr._("For example Europe/London or America/New_York."),
        "language": tr._("Language of the family's messages"),
        "work_start": tr._("Working hours start"), "work_end": tr._("Working hours end"),
        "work_days": tr._("Working days"),
        "supervisor": tr._("Backup (supervisor)"),
        "duty": tr._("Duty contact (out of hours)"),
        "you": tr._("You will be the family's caseworker."),
        "no_days": tr._("Choose at least one working day."),
    }


def invite(tr: Translator) -> dict[str, str]:
    return {
        "title": tr._("Invite someone"), "submit": tr._("Invite"),
        "name": tr._("Their name"), "name_hint": tr._("As the family knows them, e.g. \"Gran\"."),
        "role": tr._("Their part in the network"),
        "how": tr._("How will they connect?"),
        "telegram": tr._("Telegram (you get a link and a code to pass on)"),
        "slack": tr._("Slack (they are in this workspace)"),
        "slack_user": tr._("Slack user"),
        "slack_user_missing": tr._("Choose the Slack user to invite."),
        "language": tr._("Their language"),
        "language_auto": tr._("As their phone is set (or the family's)"),
        "discreet": tr._("Discreet"),
        "discreet_on": tr._("Shared phone: show no details until they tap Show (from the first message)"),
    }


def invite_done(tr: Translator, name: str, alias: str, code: str, link: str | None, slack_user: str | None,
                ttl_hours: int) -> list[str]:
    lines = [tr._("{name} is invited to the safety network for {alias}.").format(name=name, alias=alias)]
    if slack_user:
        lines.append(tr._("They have been sent a message on Slack asking for their consent."))
    else:
        if link:
            lines.append(tr._("Send them this link: {link}").format(link=link))
        lines.append(tr._("Or they can send /start {code} to the bot on Telegram.").format(code=code))
    lines.append(tr.ngettext("The invite works once and expires in {n} hour.",
                             "The invite works once and expires in {n} hours.", ttl_hours).format(n=ttl_hours))
    return lines


def plan(tr: Translator) -> dict[str, str]:
    return {
        "title": tr._("Safety plan"), "submit": tr._("Save"),
        "intro": tr._("Plan for {alias}, version {version}. Saving makes a new version with your reason."),
        "intro_new": tr._("New plan for {alias}. Saving makes version 1 with your reason."),
        "contingency": tr._("Contingency plan"),
        "contingency_hint": tr._("What happens if a bottom line is broken, and who acts."),
        "avoid": tr._("People to avoid (one per line)"),
        "avoid_hint": tr._("The bot never contacts them or tells them anything."),
        "bottom_lines": tr._("Bottom lines"),
        "bottom_line": tr._("Bottom line"), "bottom_line_hint": tr._("Leave empty to remove it."),
        "new_bottom_line": tr._("Add a bottom line"),
        "commitments": tr._("Commitments"),
        "commitment": tr._("Commitment {n}"), "new_commitment": tr._("Add a commitment"),
        "member": tr._("Who"), "text": tr._("What they do"), "days": tr._("Days"),
        "days_hint": tr._("No days chosen means every day."),
        "time": tr._("Check-in time (family's time)"), "grace": tr._("Wait for an answer for"),
        "guards": tr._("Guards a bottom line"), "no_guard": tr._("No bottom line"),
        "rrule": tr._("Advanced schedule (RRULE)"),
        "rrule_hint": tr._("Only if the days and time above are not enough; this replaces them."),
        "remove": tr._("Remove this commitment"),
        "reason": tr._("Why are you changing the plan?"),
        "reason_hint": tr._("Kept with the new version, e.g. \"agreed at the review meeting on 4 Dec\"."),
        "need_member": tr._("Choose who made this commitment."),
        "need_time": tr._("Choose a check-in time."),
        "need_text": tr._("Say what they do."),
        "need_reason": tr._("Say why the plan is changing; it is kept with the new version."),
        "bad_guards": tr._("It guards a bottom line that is no longer in the plan."),
        "no_members": tr._("Invite the network first: commitments belong to invited members."),
        "edit": tr._("Edit"), "removed": tr._("to be removed"), "added": tr._("new"),
        "no_bottom_lines": tr._("No bottom lines yet."), "no_commitments": tr._("No commitments yet."),
        "nobody": tr._("nobody chosen"), "every_day": tr._("every day"),
        "overview_hint": tr._("Edit a bottom line or commitment in its own form; nothing is saved until you "
                              "press Save here."),
        "draft_gone": tr._("This plan editor was saved or has expired. Close it and open the plan again."),
    }


def plan_item_name(tr: Translator, kind: str, n: int) -> str:
    """A bottom line or commitment by its place in the plan ("Commitment 3")."""
    if kind == "bottom_line":
        return tr._("Bottom line {n}").format(n=n)
    return tr._("Commitment {n}").format(n=n)


def plan_items_problem(tr: Translator, kind: str, numbers: list[int], problem: str) -> str:
    """One problem of several items of a plan, by their places ("Commitments 1, 11: ...")."""
    shown = ", ".join(str(n) for n in numbers)
    if kind == "bottom_line":
        where = tr.ngettext("Bottom line {numbers}", "Bottom lines {numbers}", len(numbers))
    else:
        where = tr.ngettext("Commitment {numbers}", "Commitments {numbers}", len(numbers))
    return tr._("{where}: {problem}").format(where=where.format(numbers=shown), problem=problem)


def plan_saved(tr: Translator, alias: str, version: int, changed: bool, told: list[str],
               uncovered: list[str]) -> str:
    if not changed:
        return tr._("Nothing changed: the plan for {alias} stays at version {version}.").format(
            alias=alias, version=version)
    lines = [tr._("The plan for {alias} is now version {version}.").format(alias=alias, version=version)]
    if told:
        lines.append(tr._("Told about their commitments: {names}").format(names=", ".join(told)))
    if uncovered:
        lines.append(tr._("Uncovered until their owner joins: {keys}").format(keys=", ".join(uncovered)))
    return "\n".join(lines)


def meeting(tr: Translator) -> dict[str, str]:
    return {
        "title": tr._("Schedule a meeting"), "submit": tr._("Schedule"),
        "kind": tr._("Kind of meeting"), "date": tr._("Date"), "time": tr._("Time (family's time)"),
        "place": tr._("Place"), "invitees": tr._("Who is invited"),
        "no_members": tr._("Nobody has joined the network yet."),
    }


def meeting_scheduled(tr: Translator, kind: str, alias: str, when: str, invited: int) -> str:
    head = tr._("{meeting} for {alias} on {when}.").format(meeting=meeting_kind_label(tr, kind), alias=alias,
                                                           when=when)
    return head + " " + tr.ngettext("{n} person invited.", "{n} people invited.", invited).format(n=invited)


def away(tr: Translator) -> dict[str, str]:
    return {
        "title": tr._("Away"), "submit": tr._("Save"),
        "until": tr._("Back on"), "until_hint": tr._("Leave empty to say you are back."),
        "cover": tr._("Who covers for you"),
        "cover_hint": tr._("They get your families' escalations while you are away."),
    }


def away_set(tr: Translator, until: str | None, cover: bool) -> str:
    if until is None:
        return tr._("Welcome back: escalations come to you again.")
    if cover:
        return tr._("You are away until {until}; your cover gets your escalations.").format(until=until)
    return tr._("You are away until {until}; the duty team gets your escalations.").format(until=until)


def resolve(tr: Translator) -> dict[str, str]:
    return {"title": tr._("Resolve"), "submit": tr._("Resolve"), "note": tr._("How was it resolved?"),
            "note_hint": tr._("A short note for the record.")}


def family_created(tr: Translator, alias: str, family_id: int) -> str:
    return tr._("{alias} is set up (family {id}). Next: /familyteam invite, then /familyteam plan.").format(
        alias=alias, id=family_id)


# --- ephemeral answers -----------------------------------------------------------------------------

def refused(tr: Translator, reason: str) -> str:
    return {
        "unknown_chat": tr._("Sorry, FamilyTeam doesn't know you yet. Ask your team's administrator to add you."),
        "not_assigned": tr._("Sorry, you can't do that: you are not assigned to this family."),
        "not_staff": tr._("Sorry, only agency staff assigned to a family can do that."),
        "person_to_avoid": tr._("Sorry, that person is on the plan's people-to-avoid list."),
        "not_self": tr._("Sorry, you can only mark yourself away."),
    }.get(reason, tr._("Sorry, you can't do that here."))


def refusal(tr: Translator, reason: str) -> OutboundMessage:
    """The conversation's answer to a refused request, on every platform: why, when it is about staff."""
    if reason == "not_assigned":
        return OutboundMessage(refused(tr, reason))
    return render.refused(tr)


def invalid(tr: Translator, message: str) -> str:
    return tr._("That didn't work: {problem}").format(problem=message)


def no_families(tr: Translator) -> str:
    return tr._("You are not assigned to any family yet.")


def family_not_found(tr: Translator, name: str) -> str:
    return tr._("None of your families is called {name}.").format(name=name)


def summary_time_set(tr: Translator, at: str) -> str:
    return tr._("Your daily summary will come at {time}.").format(time=at)


def help_entries(tr: Translator) -> tuple[str, list[tuple[str, str]]]:
    """(heading, [(command, what it does)]) for `/familyteam help`; the adapter formats them."""
    return tr._("FamilyTeam commands:"), [
        ("/familyteam new", tr._("set up a family")),
        ("/familyteam invite [family]", tr._("invite someone to a family's network")),
        ("/familyteam plan [family]", tr._("write or change the safety plan")),
        ("/familyteam meeting [family]", tr._("schedule a meeting")),
        ("/familyteam status [family]", tr._("a family's status, only for you")),
        ("/familyteam reply family: words", tr._("answer the member of that family who wrote last")),
        ("/familyteam away", tr._("mark yourself away, with a cover")),
        ("/familyteam summary HH:MM", tr._("when your daily summary comes")),
        ("/familyteam close FAMILY", tr._("close a family: members are told, everything stops")),
    ]


def status_text(tr: Translator, data: dict[str, Any], strong: Callable[[str], str] = str) -> str:
    """A family's status; `strong` is the platform's emphasis for the family's alias."""
    fam = data["family"]
    lines = [tr._("{alias} — plan version {version}").format(alias=strong(fam["alias"]),
                                                            version=data["plan_version"] or "—")]
    if data.get("review_by"):
        lines.append(tr._("Review by {date}").format(date=data["review_by"]))
    members = [f"{m['name']} ({m['state']})" for m in data["members"] if m["role"] not in
               ("caseworker", "supervisor", "duty")]
    lines.append(tr._("Network: {names}").format(names=", ".join(members) or "—"))
    if data["open_escalations"]:
        lines.append("🚨 " + tr.ngettext("{n} escalation open", "{n} escalations open",
                                         len(data["open_escalations"])).format(n=len(data["open_escalations"])))
    lines.append(tr._("Commitments, last 7 days:"))
    for c in data["commitments"]:
        counts = " ".join(f"{ANSWER_ICONS[s]}{n}" for s, n in sorted(c["last_7_days"].items()) if s in ANSWER_ICONS)
        flag = " — " + tr._("uncovered") if c["uncovered"] else ""
        lines.append(f"• {c['text']} ({c['member']}) {counts}{flag}")
    if not data["commitments"]:
        lines.append("  " + tr._("(none yet)"))
    for m in data["upcoming_meetings"]:
        lines.append("📅 " + meeting_kind_label(tr, m["kind"]) + f" {m['starts_at'][:16].replace('T', ' ')} UTC")
    return "\n".join(lines)


# --- App Home --------------------------------------------------------------------------------------

def home(tr: Translator) -> dict[str, str]:
    return {
        "title": tr._("FamilyTeam"),
        "escalations": tr._("Open escalations"), "no_escalations": tr._("No open escalations."),
        "today": tr._("Today's check-ins"), "no_today": tr._("No check-ins today."),
        "families": tr._("My families"), "no_families": tr._("You are not assigned to any family yet."),
        "weeks": tr._("Last four weeks, oldest first (kept / not done / no answer / worried):"),
        "summary": tr._("Daily summary at"),
        "ack": tr._("Acknowledge"), "resolve": tr._("Resolve"),
        "more": tr._("…and {n} more."),
        "legend": " ".join(f"{ANSWER_ICONS[s]} {answer_label(tr, s)}" for s in ("done", "not_done", "missed",
                                                                                 "worried")),
    }


def home_escalation(tr: Translator, alias: str, reason: str, state: str, member: str, commitment: str,
                    opened: str) -> str:
    return tr._("{alias}: {commitment} ({member}) — {reason}, {state}, since {opened}").format(
        alias=alias, commitment=commitment, member=member, reason=reason_label(tr, reason),
        state=escalation_state_label(tr, state), opened=opened)


def home_checkin(tr: Translator, at: str, alias: str, member: str, commitment: str, state: str) -> str:
    return f"{ANSWER_ICONS[state]} {at} {alias} — {commitment} ({member}): {answer_label(tr, state)}"


def home_family(tr: Translator, alias: str, role: str) -> str:
    return tr._("{alias} — you are {role}").format(alias=alias, role=staff_role_label(tr, role))


def plan_changed_meanwhile(tr: Translator) -> str:
    return tr._("The plan was changed by someone else while this was open. Close it and open the plan again.")
