"""`familyteam review set|show`, `familyteam family close|erase`, `familyteam member erase`: a case's review
dates and its end."""

from __future__ import annotations

import argparse
from datetime import date

from bot.cli.common import FAMILY_HELP, Parsers, actor, app, out
from bot.services.errors import InvalidInput


def _dates(pairs: list[str] | None, flag: str) -> dict[str, date]:
    """KIND=YYYY-MM-DD pairs, e.g. initial_conference=2027-01-06."""
    out: dict[str, date] = {}
    for pair in pairs or []:
        kind, _, text = pair.partition("=")
        try:
            out[kind.strip()] = date.fromisoformat(text.strip())
        except ValueError:
            raise InvalidInput("bad_date", f"{flag} takes KIND=YYYY-MM-DD, e.g. initial_conference=2027-01-06; "
                                           f"got {pair!r}") from None
    return out


def cmd_review_set(args: argparse.Namespace) -> None:
    from bot.services import reviews

    held, due = _dates(args.held, "--held"), _dates(args.due, "--due")
    the_app, who = app(), actor()
    the_app.call(lambda ctx: reviews.set_reviews(ctx, who, args.family, framework=args.framework, region=args.region,
                                             held=held, due=due), who)
    cmd_review_show(args)


def cmd_review_show(args: argparse.Namespace) -> None:
    from bot.services import reviews
    from messages.catalog import translator
    from messages.reviews import review_schedule_lines

    the_app, who = app(), actor()
    shown = the_app.call(lambda ctx: reviews.show(ctx, who, args.family), who)
    data = {"family_id": shown.family_id, "framework": shown.framework, "region": shown.region,
            "reviews": [{"kind": k, "number": n, "due_on": d, "held_on": h, "set_by_staff": o,
                         "overdue": h is None and d is not None and d < shown.today}
                        for k, n, d, h, o in shown.rows]}
    text = "\n".join(review_schedule_lines(translator(the_app.settings.default_language), shown.alias,
                                           shown.framework, shown.region, shown.rows, shown.today))
    out(args, data, text)


def cmd_family_close(args: argparse.Namespace) -> None:
    from bot.services.lifecycle import close_family

    the_app, who = app(), actor()
    closed = the_app.call(lambda ctx: close_family(ctx, who, args.family), who)
    out(args, {"family_id": closed.family_id, "members_told": closed.members_told, "erase_at": closed.erase_at},
             f"{closed.alias} is closed; {closed.members_told} member(s) told. Personal data will be erased after "
             f"{closed.erase_at:%Y-%m-%d}; to keep the record: familyteam export --family {closed.family_id}")


def cmd_family_erase(args: argparse.Namespace) -> None:
    from bot.services.erasure import erase_family

    the_app, who = app(), actor()
    done = the_app.call(lambda ctx: erase_family(ctx, who, args.family), who)
    out(args, {"family_id": done.family_id, "members": done.members, "persons": done.persons},
             f"Family {done.family_id} erased: {done.members} member(s), {done.persons} person(s).")


def cmd_member_erase(args: argparse.Namespace) -> None:
    from bot.services.erasure import erase_member

    if not (args.name or args.member):
        raise InvalidInput("no_member", "name the member: --name NAME or --member ID")
    the_app, who = app(), actor()
    done = the_app.call(lambda ctx: erase_member(ctx, who, args.family, name=args.name,
                                                 membership_id=args.member), who)
    out(args, {"membership_id": done.membership_id, "person_erased": done.person_erased},
             f"Member {done.membership_id} erased" + ("." if done.person_erased else
                                                       " (the person stays: they are in another network or team)."))


def add_parsers(p: Parsers) -> None:
    """The review, close and erase subcommands, under the parser's `review`, `family` and `member` groups."""
    add, families, members = p.add, p.group("family", "families"), p.group("member", "network members")
    rev = p.group("review", "review dates")
    rs = add("set", cmd_review_set, "set the framework and region, record meetings held, set dates by hand", rev)
    rs.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    rs.add_argument("--framework", help="the review framework, e.g. england-child-protection")
    rs.add_argument("--region", help="whose bank holidays count, e.g. GB-ENG (the framework's by default)")
    rs.add_argument("--held", action="append", metavar="KIND=DATE",
                    help="a meeting that took place, e.g. strategy_discussion=2026-12-01 (repeatable)")
    rs.add_argument("--due", action="append", metavar="KIND=DATE",
                    help="set an upcoming date by hand, e.g. review_conference=2027-03-01 (repeatable)")
    sh = add("show", cmd_review_show, "a family's review dates (overdue ones marked)", rev)
    sh.add_argument("--family", type=int, required=True, help=FAMILY_HELP)

    fc = add("close", cmd_family_close, "close a family: members told, everything scheduled stops", families)
    fc.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    fe = add("erase", cmd_family_erase, "erase a closed family's personal data now (not waiting for retention)",
             families)
    fe.add_argument("--family", type=int, required=True, help=FAMILY_HELP)

    me = add("erase", cmd_member_erase, "erase a member who has left (name, answers, notes, chat)", members)
    me.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    me.add_argument("--name", help="the member's name, e.g. Gran")
    me.add_argument("--member", type=int, help="the membership id (familyteam export lists them), e.g. 7")
