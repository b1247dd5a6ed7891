"""`familyteam escalation list|show|ack|resolve`: escalations as staff hold them."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from bot.cli.common import ESCALATION_HELP, FAMILY_HELP, Parsers, actor, app, out


def age(minutes: int) -> str:
    """An age in words: 45 min, 3 h 05 min, 2 d 4 h."""
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // (24 * 60)} d {minutes % (24 * 60) // 60} h"


def held_by(holder: str | None, role: str | None) -> str:
    if holder is None:
        return "nobody reached yet"
    if role == "acknowledged":
        return f"acknowledged by {holder}"
    return f"with {holder} ({role}), not acknowledged"


def cmd_escalation_list(args: argparse.Namespace) -> None:
    from bot.services.escalation_views import open_escalations

    the_app, who = app(), actor()
    found = the_app.call(lambda ctx: open_escalations(ctx, who, args.family), who)
    lines = [f"#{e.id} {e.alias}: {e.reason.replace('_', ' ')}" + (f" ({e.member})" if e.member else "")
             + f", open {age(e.age_minutes)}, {held_by(e.holder, e.holder_role)}" for e in found]
    out(args, [asdict(e) for e in found], "\n".join(lines) or "No open escalations.")


def cmd_escalation_show(args: argparse.Namespace) -> None:
    from bot.services.escalation_views import show_escalation

    the_app, who = app(), actor()
    e = the_app.call(lambda ctx: show_escalation(ctx, who, args.id), who)
    lines = [f"Escalation #{e.id}, {e.alias} (family {e.family_id}): {e.reason.replace('_', ' ')}"
             + (f" ({e.member})" if e.member else ""),
             f"State: {e.state}; opened {e.opened_at:%Y-%m-%d %H:%M} UTC, {age(e.age_minutes)} "
             + ("until resolved" if e.resolved_at else "ago"),
             f"Held: {held_by(e.holder, e.holder_role)}", "Steps:"]
    lines += [f"  {s.step + 1}. {s.person} ({s.role}) told {s.notified_at:%Y-%m-%d %H:%M} UTC" for s in e.steps]
    if not e.steps:
        lines.append("  nobody could be told yet (see familyteam check)")
    lines += _ends(e)
    out(args, asdict(e), "\n".join(lines))


def _ends(e: Any) -> list[str]:
    lines = []
    if e.acknowledged_at:
        lines.append(f"Acknowledged by {e.acknowledged_by} at {e.acknowledged_at:%Y-%m-%d %H:%M} UTC")
    if e.resolved_at:
        lines.append(f"Resolved by {e.resolved_by} at {e.resolved_at:%Y-%m-%d %H:%M} UTC: "
                     f"{e.resolution_note}")
    return lines


def cmd_escalation(args: argparse.Namespace) -> None:
    from bot.conversation import replies
    from bot.services import escalations
    from messages.catalog import translator
    from messages.staff import staff_ack_done

    the_app, who = app(), actor()
    if args.action == "ack":
        done = the_app.call(lambda ctx: escalations.acknowledge(ctx, who, args.id), who)
        what = replies.ACKNOWLEDGED if done else replies.ALREADY
    else:
        done = the_app.call(lambda ctx: escalations.resolve(ctx, who, args.id, args.note or ""), who)
        what = replies.RESOLVED if done else replies.ALREADY
    # The same words a staff member reads after pressing the button, on any platform.
    out(args, {"id": args.id, "changed": done},
        staff_ack_done(translator(the_app.settings.default_language), what).text)


def add_parsers(p: Parsers) -> None:
    esc = p.group("escalation", "escalations: list, show, acknowledge, resolve")
    el = p.add("list", cmd_escalation_list, "open escalations, oldest first, with their age and who holds them", esc,
               epilog="example:\n  familyteam escalation list --family 1")
    el.add_argument("--family", type=int, help=FAMILY_HELP + " (default: every family)")
    es = p.add("show", cmd_escalation_show, "one escalation with its steps: who was told when, who acknowledged, "
                                            "who resolved and how", esc,
               epilog="example:\n  familyteam escalation show 7")
    es.add_argument("id", type=int, help=ESCALATION_HELP)
    ea = p.add("ack", cmd_escalation, "acknowledge an escalation (it stops moving up the chain)", esc,
               epilog="example:\n  familyteam escalation ack 7")
    ea.add_argument("id", type=int, help=ESCALATION_HELP)
    ea.set_defaults(action="ack")
    er = p.add("resolve", cmd_escalation, "resolve an escalation with a note", esc,
               epilog="example:\n  familyteam escalation resolve 7 --note \"Visited, all safe\"")
    er.add_argument("id", type=int, help=ESCALATION_HELP)
    er.add_argument("--note", required=True, help="how it was resolved, e.g. \"spoke to Gran, all well\"")
    er.set_defaults(action="resolve")
