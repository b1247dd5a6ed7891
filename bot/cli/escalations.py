"""`familyteam escalation ack|resolve`: escalations as staff hold them."""

from __future__ import annotations

import argparse

from bot.cli.common import ESCALATION_HELP, Parsers, actor, app, out


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
    esc = p.group("escalation", "escalations")
    ea = p.add("ack", cmd_escalation, "acknowledge an escalation", esc)
    ea.add_argument("id", type=int, help=ESCALATION_HELP)
    ea.set_defaults(action="ack")
    er = p.add("resolve", cmd_escalation, "resolve an escalation with a note", esc)
    er.add_argument("id", type=int, help=ESCALATION_HELP)
    er.add_argument("--note", required=True, help="how it was resolved, e.g. \"spoke to Gran, all well\"")
    er.set_defaults(action="resolve")
