"""`familyteam meeting add|cancel|list`: meetings outside the plan file (the plan's own are changed there)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.cli.common import FAMILY_HELP, Parsers, actor, app, out
from bot.domain.vocabulary import MeetingKind
from bot.services.errors import InvalidInput


def local_time(text: str) -> datetime:
    """A date and time on the family's clock: 2026-12-04 10:00 or 2026-12-04T10:00, no offset."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        when = None
    if when is None or when.tzinfo is not None:
        raise InvalidInput("bad_time", f"--at takes the family's local date and time without an offset, e.g. "
                                       f"\"2026-12-04 10:00\"; got {text!r}")
    return when


def _words(tr: Any, m: Any, zone: str) -> list[str]:
    from messages.labels import meeting_kind_label

    state = " [cancelled]" if m.cancelled else ""
    where = f" at {m.place}" if m.place else ""
    return [f"#{m.id} {meeting_kind_label(tr, m.kind)}: {tr.when(m.starts_at, zone)}{where}{state}"
            + ("" if m.from_plan else " (outside the plan)"),
            "    coming: " + (", ".join(m.replies.coming) or "-") + "; can't come: "
            + (", ".join(m.replies.cant_come) or "-") + "; not answered: " + (", ".join(m.replies.not_answered) or "-")]


def cmd_meeting_add(args: argparse.Namespace) -> None:
    from bot.services.staff import member_ids, schedule_meeting

    starts = local_time(args.at)
    the_app, who = app(), actor()
    meeting = the_app.call(lambda ctx: schedule_meeting(
        ctx, who, args.family, args.kind, starts, args.place or "",
        member_ids(ctx, who, args.family, args.invite or [])), who)
    out(args, {"meeting_id": meeting.id, "starts_at": meeting.starts_at},
        f"Meeting {meeting.id} added for {starts:%a %d %b %Y %H:%M} (the family's time); invitations sent to those "
        "who have joined, the others get theirs when they join.")


def cmd_meeting_cancel(args: argparse.Namespace) -> None:
    from bot.services.meetings import cancel_meeting

    the_app, who = app(), actor()
    done = the_app.call(lambda ctx: cancel_meeting(ctx, who, args.id), who)
    out(args, {"meeting_id": args.id, "changed": done},
        f"Meeting {args.id} cancelled; its invitees are told." if done else f"Meeting {args.id} was already cancelled.")


def cmd_meeting_list(args: argparse.Namespace) -> None:
    from bot.services.families import get_family
    from bot.services.meetings import meetings_of
    from messages.catalog import translator

    the_app, who = app(), actor()
    found, zone, language = the_app.call(lambda ctx: (meetings_of(ctx, who, args.family, past=args.all),
                                                      get_family(ctx, args.family).timezone,
                                                      get_family(ctx, args.family).language), who)
    tr = translator(language)
    lines = [line for m in found for line in _words(tr, m, zone)]
    out(args, [asdict(m) for m in found], "\n".join(lines) or "No meetings to come.")


def add_parsers(p: Parsers) -> None:
    meet = p.group("meeting", "meetings: add, cancel, list")
    ma = p.add("add", cmd_meeting_add, "schedule a meeting outside the plan file; invitees are asked whether they "
                                       "can come", meet,
               epilog="example:\n  familyteam meeting add --family 1 --kind review --at \"2026-12-10 14:00\" "
                      "--place \"Family Centre\" --invite Gran --invite \"Aunt Sue\"")
    ma.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    ma.add_argument("--kind", required=True, choices=[k.value for k in MeetingKind],
                    help="what meeting it is, e.g. review or family_network")
    ma.add_argument("--at", required=True, help="the family's local date and time, e.g. \"2026-12-10 14:00\"")
    ma.add_argument("--place", help="where, e.g. \"Family Centre, Room 2\"")
    ma.add_argument("--invite", action="append", metavar="NAME",
                    help="a network member to invite, by the name they were invited as, e.g. Gran (repeatable)")
    mc = p.add("cancel", cmd_meeting_cancel, "cancel a meeting added here (invitees who joined are told)", meet,
               epilog="example:\n  familyteam meeting cancel 3")
    mc.add_argument("id", type=int, help="the meeting's id (familyteam meeting list shows it), e.g. 3")
    ml = p.add("list", cmd_meeting_list, "a family's meetings to come, with who is coming", meet,
               epilog="example:\n  familyteam meeting list --family 1")
    ml.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    ml.add_argument("--all", action="store_true", help="past and cancelled meetings too")
