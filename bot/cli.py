"""`familyteam`: the command line. Every command takes --json for machine-readable output."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.check import cmd_check
from bot.logs import configure_logging
from bot.services.context import Actor
from bot.services.errors import InvalidInput, ServiceError
from bot.settings import Settings, settings_problems
from messages.catalog import SUPPORTED_LANGUAGES


def _out(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str) if args.json else text)


def _app(settings: Settings | None = None) -> Any:
    from bot.bootstrap import build

    return build(settings or Settings(), transports=())


def _actor() -> Actor:
    try:
        return Actor.cli(getpass.getuser())
    except Exception:
        return Actor.cli()


def cmd_family_create(args: argparse.Namespace) -> None:
    from bot.services.families import create_family

    app = _app()
    actor = _actor()
    family = app.call(lambda ctx: create_family(
        ctx, actor, alias=args.alias, timezone=args.timezone, caseworker=args.caseworker,
        caseworker_name=args.caseworker_name, language=args.language, supervisor=args.supervisor, duty=args.duty,
        work_start=args.work_start, work_end=args.work_end, work_days=args.work_days,
        emergency_number=args.emergency_number, ack_timeout_minutes=args.ack_timeout), actor)
    _out(args, {"family_id": family.id}, f"Family {family.alias!r} created with id {family.id}.")


def cmd_invite_create(args: argparse.Namespace) -> None:
    from bot.services.invites import create_invite

    app = _app()
    actor = _actor()
    new = app.call(lambda ctx: create_invite(ctx, actor, args.family, args.name, args.role, args.language), actor)
    from bot.bootstrap import invite_links

    links = invite_links(app.settings)
    link = asyncio.run(links.invite_link(new.code)) if links is not None else None
    text = f"Invite code for {args.name}: {new.code} (one use, expires in {app.settings.invite_ttl_hours} h)"
    if link:
        text += f"\nTelegram link: {link}"
    _out(args, {"code": new.code, "telegram_link": link, "membership_id": new.membership.id}, text)


def cmd_plan_apply(args: argparse.Namespace) -> None:
    from bot.services.plans import apply_plan

    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput("bad_file", f"cannot read {args.file}: {exc}") from exc
    app = _app()
    actor = _actor()
    result = app.call(lambda ctx: apply_plan(ctx, actor, args.family, text, args.reason or ""), actor)
    data = {"changed": result.changed, "version": result.version, "told": result.told, "uncovered": result.uncovered}
    if result.changed:
        text_out = f"Plan version {result.version} saved."
        if result.told:
            text_out += f" Told about their own commitments: {', '.join(result.told)}."
        if result.uncovered:
            text_out += f" Uncovered until their owner joins: {', '.join(result.uncovered)}."
    else:
        text_out = f"No change: the plan is already version {result.version}."
    _out(args, data, text_out)


def cmd_status(args: argparse.Namespace) -> None:
    from bot.services.records import status

    app = _app()
    data = app.call(lambda ctx: status(ctx, args.family))
    if args.json:
        _out(args, data, "")
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

    app = _app()
    data = app.call(lambda ctx: export(ctx, args.family))
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def cmd_member_remove(args: argparse.Namespace) -> None:
    from bot.services.membership import remove_member

    app = _app()
    actor = _actor()
    uncovered = app.call(lambda ctx: remove_member(ctx, actor, args.family, args.name), actor)
    _out(args, {"removed": args.name, "uncovered": uncovered},
         f"{args.name} removed. Uncovered commitments: {', '.join(uncovered) or 'none'}.")


def _aware(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise InvalidInput("bad_time", f"not a date-time with an offset: {text!r} (e.g. 2026-12-01T09:00+00:00)")
    return when


def cmd_staff_away(args: argparse.Namespace) -> None:
    from bot.services.covers import set_away

    until = _aware(args.until) if args.until else None
    app = _app()
    actor = _actor()
    app.call(lambda ctx: set_away(ctx, actor, args.person, until, args.cover), actor)
    _out(args, {"person": args.person, "away_until": until, "cover": args.cover},
         f"{args.person} is away until {until}." if until else f"{args.person} is back.")


def cmd_escalation(args: argparse.Namespace) -> None:
    from bot.conversation import replies
    from bot.services import escalations
    from messages.catalog import translator
    from messages.staff import staff_ack_done

    app = _app()
    actor = _actor()
    if args.action == "ack":
        done = app.call(lambda ctx: escalations.acknowledge(ctx, actor, args.id), actor)
        what = replies.ACKNOWLEDGED if done else replies.ALREADY
    else:
        done = app.call(lambda ctx: escalations.resolve(ctx, actor, args.id, args.note or ""), actor)
        what = replies.RESOLVED if done else replies.ALREADY
    # The same words a staff member reads after pressing the button, on any platform.
    _out(args, {"id": args.id, "changed": done}, staff_ack_done(translator(app.settings.default_language), what).text)


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    from storage.db import Database
    from storage.migrate import upgrade

    db = Database(Settings().database_url)
    upgrade(db.engine)
    _out(args, {"upgraded": True}, "Database is up to date.")


def cmd_run(args: argparse.Namespace) -> None:
    from bot.bootstrap import build

    app = build(Settings())

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)  # finish the current sweep, stop transports cleanly
        await app.run_forever(stop=stop)

    asyncio.run(serve())


def cmd_demo(args: argparse.Namespace) -> None:
    from bot.demo import run_demo

    run_demo(json_output=args.json)


def cmd_console(args: argparse.Namespace) -> None:
    from bot.bootstrap import run_console

    run_console(Settings(), args.as_address)


FAMILY_HELP = "the family's id (familyteam family create prints it), e.g. 1"
ESCALATION_HELP = "the escalation's id (familyteam status lists them), e.g. 7"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="familyteam", description="FamilyTeam: the safety network's chat bot.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, fn: Any, help_text: str, parent: Any = sub) -> argparse.ArgumentParser:
        sp = parent.add_parser(name, help=help_text)
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
        sp.set_defaults(fn=fn)
        return sp

    add("check", cmd_check, "is this configuration ready? settings, database, tokens, webhook, who cannot be "
                            "reached; each problem with its fix (exit 1 if any)")
    add("run", cmd_run, "run the bot with the transports configured in the environment")
    add("demo", cmd_demo, "a simulated week for a sample family, on a temporary database")
    c = add("console", cmd_console, "chat locally as a member (console transport)")
    c.add_argument("--as", dest="as_address", required=True, help="the chat to be, e.g. console:gran")

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    add("upgrade", cmd_db_upgrade, "apply migrations", db)

    fam = sub.add_parser("family", help="families").add_subparsers(dest="family_command", required=True)
    fc = add("create", cmd_family_create, "create a family (alias only, never a child's name)", fam)
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

    inv = sub.add_parser("invite", help="invites").add_subparsers(dest="invite_command", required=True)
    ic = add("create", cmd_invite_create, "invite a network member", inv)
    ic.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    ic.add_argument("--name", required=True, help="the member's name as the plan uses it, e.g. Gran")
    ic.add_argument("--role", required=True, choices=["parent", "key_safety_person", "supporter"],
                    help="their part in the network, e.g. key_safety_person")
    ic.add_argument("--language", choices=list(SUPPORTED_LANGUAGES),
                    help="the language they read, from the consent on, e.g. pl (default: their phone's, "
                         "else the family's)")

    plan = sub.add_parser("plan", help="the plan").add_subparsers(dest="plan_command", required=True)
    pa = add("apply", cmd_plan_apply, "apply a TOML plan file (docs/plan-file.md)", plan)
    pa.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    pa.add_argument("--reason", help="why the plan changed, kept with the version, e.g. \"review meeting\"")
    pa.add_argument("file", help="the plan file, e.g. examples/rowan-family.toml")

    mem = sub.add_parser("member", help="network members").add_subparsers(dest="member_command", required=True)
    mr = add("remove", cmd_member_remove, "remove a member (their commitments become uncovered)", mem)
    mr.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    mr.add_argument("--name", required=True, help="the member's name, e.g. Gran")

    staff = sub.add_parser("staff", help="agency staff").add_subparsers(dest="staff_command", required=True)
    sa = add("away", cmd_staff_away, "mark someone away (escalations go to the cover or duty)", staff)
    sa.add_argument("--person", required=True, help="PLATFORM:ID, e.g. slack:U024BE7LH")
    sa.add_argument("--until", help="ISO date-time with offset, e.g. 2026-12-01T09:00+00:00; omit to mark "
                                    "them back")
    sa.add_argument("--cover", help="PLATFORM:ID of who covers, e.g. slack:U024BE7LJ")

    esc = sub.add_parser("escalation", help="escalations").add_subparsers(dest="esc_command", required=True)
    ea = add("ack", cmd_escalation, "acknowledge an escalation", esc)
    ea.add_argument("id", type=int, help=ESCALATION_HELP)
    ea.set_defaults(action="ack")
    er = add("resolve", cmd_escalation, "resolve an escalation with a note", esc)
    er.add_argument("id", type=int, help=ESCALATION_HELP)
    er.add_argument("--note", required=True, help="how it was resolved, e.g. \"spoke to Gran, all well\"")
    er.set_defaults(action="resolve")

    from bot.cli_cases import add_parsers

    add_parsers(sub, fam, mem, add)  # review set|show, family close|erase, member erase

    st = add("status", cmd_status, "a family's status")
    st.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    ex = add("export", cmd_export, "the whole record of a family as JSON")
    ex.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    return p


def _reader_gone() -> int:
    """The output's reader has gone (`familyteam status --json | head -1`): end quietly. As the Python docs
    advise, stdout is pointed at devnull so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (captured in a test)
        pass
    return 0


def _settings_or_problems() -> Settings | None:
    """The settings, validated; on a bad value, one line per bad setting on stderr and None."""
    try:
        return Settings()
    except ValidationError as exc:
        for line in settings_problems(exc):
            print(f"error: {line}", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "fn", None) is cmd_check:  # `check` words bad settings as problems of its own
        try:
            code = cmd_check(args)
            sys.stdout.flush()
            return code
        except BrokenPipeError:
            return _reader_gone()
    settings = _settings_or_problems()
    if settings is None:
        return 2
    configure_logging(settings)
    try:
        args.fn(args)
        sys.stdout.flush()  # inside the try: a closed pipe shows here, not in the interpreter's exit
    except BrokenPipeError:
        return _reader_gone()
    except ServiceError as exc:
        if getattr(args, "json", False):
            print(json.dumps({"error": exc.reason, "message": exc.message}), file=sys.stderr)
        else:
            print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
