"""`familyteam invite create|list|revoke`: one-time codes for network members."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import asdict

from bot.cli.common import FAMILY_HELP, Parsers, actor, app, out
from messages.catalog import SUPPORTED_LANGUAGES


def cmd_invite_create(args: argparse.Namespace) -> None:
    from bot.services.invites import create_invite

    the_app, who = app(), actor()
    new = the_app.call(lambda ctx: create_invite(ctx, who, args.family, args.name, args.role, args.language,
                                                       discreet=args.discreet), who)
    from bot.bootstrap import invite_links

    links = invite_links(the_app.settings)
    link = asyncio.run(links.invite_link(new.code)) if links is not None else None
    text = f"Invite code for {args.name}: {new.code} (one use, expires in {the_app.settings.invite_ttl_hours} h)"
    if link:
        text += f"\nTelegram link: {link}"
    out(args, {"code": new.code, "telegram_link": link, "membership_id": new.membership.id}, text)


def cmd_invite_list(args: argparse.Namespace) -> None:
    from bot.services.invites import list_invites

    the_app, who = app(), actor()
    found = the_app.call(lambda ctx: list_invites(ctx, who, args.family, all_invites=args.all), who)
    lines = [f"{v.name} ({v.role.replace('_', ' ')}): {v.state}, made {v.created_at:%Y-%m-%d %H:%M} UTC by "
             f"{v.created_by}" + (f", expires {v.expires_at:%Y-%m-%d %H:%M} UTC" if v.state == "open" else "")
             for v in found]
    out(args, [asdict(v) for v in found], "\n".join(lines) or ("No invites." if args.all else "No open invites."))


def cmd_invite_revoke(args: argparse.Namespace) -> None:
    from bot.services.invites import revoke_invite

    the_app, who = app(), actor()
    closed = the_app.call(lambda ctx: revoke_invite(ctx, who, args.family, args.name), who)
    out(args, {"name": args.name, "closed": closed},
        f"{args.name}'s invite is revoked: the code no longer works." if closed else
        f"{args.name} had no open invite; they can no longer join with an old one.")


def add_parsers(p: Parsers) -> None:
    inv = p.group("invite", "invites: create, list, revoke")
    il = p.add("list", cmd_invite_list, "a family's open invites (codes are never shown again)", inv,
               epilog="example:\n  familyteam invite list --family 1 --all")
    il.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    il.add_argument("--all", action="store_true", help="used, expired, declined and revoked ones too")
    ir = p.add("revoke", cmd_invite_revoke, "close someone's invite before they join (their code stops working)",
               inv, epilog="example:\n  familyteam invite revoke --family 1 --name Ola")
    ir.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    ir.add_argument("--name", required=True, help="the name they were invited as, e.g. Ola")
    ic = p.add("create", cmd_invite_create, "invite a network member", inv,
               epilog="example:\n  familyteam invite create --family 1 --name Gran --role key_safety_person")
    ic.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    ic.add_argument("--name", required=True, help="the member's name as the plan uses it, e.g. Gran")
    ic.add_argument("--role", required=True, choices=["parent", "key_safety_person", "supporter"],
                    help="their part in the network, e.g. key_safety_person")
    ic.add_argument("--language", choices=list(SUPPORTED_LANGUAGES),
                    help="the language they read, from the consent on, e.g. pl (default: their phone's, "
                         "else the family's)")
    ic.add_argument("--discreet", action="store_true",
                    help="a shared phone: the consent request and every message after it show no case content "
                         "until they tap Show")
