"""`familyteam family create`, `family protect`, `member remove`, `staff away`: a family, its network, staff."""

from __future__ import annotations

import argparse

from bot.cli.common import FAMILY_HELP, Parsers, actor, app, aware, out


def cmd_family_create(args: argparse.Namespace) -> None:
    from bot.services.families import create_family

    the_app, who = app(), actor()
    family = the_app.call(lambda ctx: create_family(
        ctx, who, alias=args.alias, timezone=args.timezone, caseworker=args.caseworker,
        caseworker_name=args.caseworker_name, language=args.language, supervisor=args.supervisor, duty=args.duty,
        work_start=args.work_start, work_end=args.work_end, work_days=args.work_days,
        emergency_number=args.emergency_number, ack_timeout_minutes=args.ack_timeout), who)
    out(args, {"family_id": family.id}, f"Family {family.alias!r} created with id {family.id}.")


def cmd_member_remove(args: argparse.Namespace) -> None:
    from bot.services.membership import remove_member

    the_app, who = app(), actor()
    uncovered = the_app.call(lambda ctx: remove_member(ctx, who, args.family, args.name), who)
    out(args, {"removed": args.name, "uncovered": uncovered},
        f"{args.name} removed. Uncovered commitments: {', '.join(uncovered) or 'none'}.")


def cmd_staff_away(args: argparse.Namespace) -> None:
    from bot.services.covers import set_away

    until = aware(args.until) if args.until else None
    the_app, who = app(), actor()
    the_app.call(lambda ctx: set_away(ctx, who, args.person, until, args.cover), who)
    out(args, {"person": args.person, "away_until": until, "cover": args.cover},
        f"{args.person} is away until {until}." if until else f"{args.person} is back.")


def cmd_family_protect(args: argparse.Namespace) -> None:
    from bot.services.protected import add_term

    the_app, who = app(), actor()
    tid = the_app.call(lambda ctx: add_term(ctx, who, args.family, args.term), who)
    out(args, {"term_id": tid}, f"Protected (term {tid}): no text to this family's members may contain it.")


def add_parsers(p: Parsers) -> None:
    fam = p.group("family", "families")
    fc = p.add("create", cmd_family_create, "create a family (alias only, never a child's name)", fam)
    fc.add_argument("--alias", required=True, help="what the family is called here, never a child's name, "
                                                  "e.g. \"the Rowan family\"")
    fc.add_argument("--timezone", required=True, help="the family's time zone, e.g. Europe/London")
    fc.add_argument("--caseworker", required=True, help="PLATFORM:ID, e.g. slack:U024BE7LH")
    fc.add_argument("--caseworker-name", help="the caseworker's name as members see it, e.g. \"Sam Okafor\"")
    fc.add_argument("--language", default="en", help="the family's language, e.g. en or es (default: en)")
    fc.add_argument("--supervisor", help="PLATFORM:ID of the backup/supervisor, e.g. slack:U024BE7LJ")
    fc.add_argument("--duty", help="PLATFORM:ID of the duty team, e.g. slack:C0DUTY123")
    fc.add_argument("--work-start", default="09:00", help="the caseworker's day starts, e.g. 09:00 (default)")
    fc.add_argument("--work-end", default="17:00", help="the caseworker's day ends, e.g. 17:00 (default)")
    fc.add_argument("--work-days", default="MO-FR",
                    help="working days, e.g. Mon-Fri (default), mon,tue,thu or MO-FR")
    fc.add_argument("--emergency-number", default="999",
                    help="the number members are told to call in an emergency, e.g. 999 or \"0300 555 0100\"")
    fc.add_argument("--ack-timeout", type=int, default=30,
                    help="minutes before an unacknowledged escalation moves on, e.g. 30 (default)")

    fp = p.add("protect", cmd_family_protect, "protect a term: a child's name or nickname, a date of birth, the "
                                                "school, the address; no member-facing text may contain it", fam)
    fp.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    fp.add_argument("--term", required=True, help="the word(s), e.g. \"Kasia\" or \"12/03/2015\"")

    mem = p.group("member", "network members")
    mr = p.add("remove", cmd_member_remove, "remove a member (their commitments become uncovered)", mem)
    mr.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    mr.add_argument("--name", required=True, help="the member's name, e.g. Gran")

    staff = p.group("staff", "agency staff")
    sa = p.add("away", cmd_staff_away, "mark someone away (escalations go to the cover or duty)", staff)
    sa.add_argument("--person", required=True, help="PLATFORM:ID, e.g. slack:U024BE7LH")
    sa.add_argument("--until", help="ISO date-time with offset, e.g. 2026-12-01T09:00+00:00; omit to mark "
                                    "them back")
    sa.add_argument("--cover", help="PLATFORM:ID of who covers, e.g. slack:U024BE7LJ")
