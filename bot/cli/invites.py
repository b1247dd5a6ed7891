"""`familyteam invite create`: one-time codes for network members."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import FAMILY_HELP, Parsers, actor, app, out
from messages.catalog import SUPPORTED_LANGUAGES


def cmd_invite_create(args: argparse.Namespace) -> None:
    from bot.services.invites import create_invite

    the_app, who = app(), actor()
    new = the_app.call(lambda ctx: create_invite(ctx, who, args.family, args.name, args.role, args.language), who)
    from bot.bootstrap import invite_links

    links = invite_links(the_app.settings)
    link = asyncio.run(links.invite_link(new.code)) if links is not None else None
    text = f"Invite code for {args.name}: {new.code} (one use, expires in {the_app.settings.invite_ttl_hours} h)"
    if link:
        text += f"\nTelegram link: {link}"
    out(args, {"code": new.code, "telegram_link": link, "membership_id": new.membership.id}, text)


def add_parsers(p: Parsers) -> None:
    inv = p.group("invite", "invites")
    ic = p.add("create", cmd_invite_create, "invite a network member", inv)
    ic.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    ic.add_argument("--name", required=True, help="the member's name as the plan uses it, e.g. Gran")
    ic.add_argument("--role", required=True, choices=["parent", "key_safety_person", "supporter"],
                    help="their part in the network, e.g. key_safety_person")
    ic.add_argument("--language", choices=list(SUPPORTED_LANGUAGES),
                    help="the language they read, from the consent on, e.g. pl (default: their phone's, "
                         "else the family's)")
