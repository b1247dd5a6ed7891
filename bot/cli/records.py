"""`familyteam status`, `familyteam export`: what a family's record says, in words or as JSON."""

from __future__ import annotations

import argparse
import json

from bot.cli.common import FAMILY_HELP, Parsers, app, out


def cmd_status(args: argparse.Namespace) -> None:
    from bot.services.records import status

    the_app = app()
    data = the_app.call(lambda ctx: status(ctx, args.family))
    if args.json:
        out(args, data, "")
        return
    lines = [f"{data['family']['alias']} (plan v{data['plan_version']}, review by {data['review_by']})", "Members:"]
    lines += [f"  {m['name']}: {m['role']}, {m['state']}" for m in data["members"]]
    lines.append("Commitments (last 7 days):")
    for c in data["commitments"]:
        flag = " [bottom line]" if c["guards_bottom_line"] else ""
        flag += " [UNCOVERED]" if c["uncovered"] else ""
        counts = ", ".join(f"{k} {v}" for k, v in sorted(c["last_7_days"].items())) or "no check-ins yet"
        lines.append(f"  {c['member']}: {c['text']}{flag} — {counts}")
    lines.append(f"Open escalations: {len(data['open_escalations'])}")
    lines += [f"  #{e['id']} {e['reason']} ({e['state']}) since {e['opened_at']}" for e in data["open_escalations"]]
    lines.append("Upcoming meetings:")
    for m in data["upcoming_meetings"]:
        lines.append(f"  {m['kind']} at {m['starts_at']} {m['place']}")
        lines.append("    coming: " + (", ".join(m["coming"]) or "-") + "; can't come: "
                     + (", ".join(m["cant_come"]) or "-") + "; not answered: " + (", ".join(m["not_answered"]) or "-"))
    if not data["upcoming_meetings"]:
        lines.append("  none")
    print("\n".join(lines))


def cmd_export(args: argparse.Namespace) -> None:
    from bot.services.records import export

    the_app = app()
    data = the_app.call(lambda ctx: export(ctx, args.family))
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def add_parsers(p: Parsers) -> None:
    st = p.add("status", cmd_status, "a family's status")
    st.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    ex = p.add("export", cmd_export, "the whole record of a family as JSON")
    ex.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
