"""`familyteam status`, `familyteam export`: what a family's record says, in words or as JSON."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.cli.common import FAMILY_HELP, Parsers, app, out

ROLE_WORDS = {"caseworker": "Caseworker", "supervisor": "Supervisor", "duty": "Duty", "parent": "parent",
              "key_safety_person": "key safety person", "supporter": "supporter"}
WHY_WORDS = {"no_chat": "no chat linked", "blocked": "has blocked the bot"}


def _why(u: dict[str, Any]) -> str:
    if u["why"] == "platform_off":
        return f"on {', '.join(u['platforms'])}, which is off here (no token set)"
    return WHY_WORDS.get(u["why"], u["why"])


def _head(data: dict[str, Any]) -> list[str]:
    plan = f"plan version {data['plan_version']}" if data["plan_version"] else "no plan yet"
    review = f", review by {data['review_by']}" if data["review_by"] else ""
    lines = [f"{data['family']['alias']} ({plan}{review})", "Staff:"]
    for st in data["staff"]:
        name = st["name"] if st["named"] else f"{st['address']} (no name given)"
        away = f", away until {st['away_until']}" if st["away_until"] else ""
        lines.append(f"  {ROLE_WORDS.get(st['role'], st['role'])}: {name}{away}")
    lines.append("Members:")
    lines += [f"  {m['name']}: {ROLE_WORDS.get(m['role'], m['role'])}, {m['state']}"
              for m in data["members"] if not m["staff"]]
    return lines


def _commitments(data: dict[str, Any]) -> list[str]:
    lines = ["Commitments (last 7 days):"]
    for c in data["commitments"]:
        flag = " [bottom line]" if c["guards_bottom_line"] else ""
        flag += " [UNCOVERED]" if c["uncovered"] else ""
        counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(c["last_7_days"].items()))
        lines.append(f"  {c['member']}: {c['text']}{flag} — {counts or 'no check-ins yet'}")
    return lines


def _escalations(data: dict[str, Any]) -> list[str]:
    from bot.cli.escalations import age, held_by

    lines = [f"Open escalations: {len(data['open_escalations'])}"]
    lines += [f"  #{e['id']} {e['reason'].replace('_', ' ')}" + (f" ({e['member']})" if e["member"] else "")
              + f", open {age(e['age_minutes'])}, {held_by(e['holder'], e['holder_role'])}"
              for e in data["open_escalations"]]
    return lines


def _meetings(data: dict[str, Any]) -> list[str]:
    lines = ["Upcoming meetings:"]
    for m in data["upcoming_meetings"]:
        lines.append(f"  #{m['id']} {m['kind_label']}: {m['local_time']}" + (f" at {m['place']}" if m["place"] else ""))
        lines.append("    coming: " + (", ".join(m["coming"]) or "-") + "; can't come: "
                     + (", ".join(m["cant_come"]) or "-") + "; not answered: " + (", ".join(m["not_answered"]) or "-"))
    if not data["upcoming_meetings"]:
        lines.append("  none")
    return lines


def _reach(data: dict[str, Any]) -> list[str]:
    lines = [f"Cannot be reached: {len(data['unreachable'])}" if data["unreachable"] else
             "Cannot be reached: nobody"]
    lines += [f"  {u['name']} ({ROLE_WORDS.get(u['role'], u['role'])}): {_why(u)}" for u in data["unreachable"]]
    waiting = data["waiting_for_platform_off"]
    lines += [f"  {n} message(s) waiting for {p}, which is off here" for p, n in waiting.items()]
    return lines


def cmd_status(args: argparse.Namespace) -> None:
    from bot.services.records import status

    the_app = app()
    data = the_app.call(lambda ctx: status(ctx, args.family))
    if args.json:
        out(args, data, "")
        return
    print("\n".join(_head(data) + _commitments(data) + _escalations(data) + _meetings(data) + _reach(data)))


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
