"""`familyteam plan apply`: a TOML plan file becomes the family's next plan version."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import FAMILY_HELP, Parsers, actor, app, out
from bot.services.errors import InvalidInput


def cmd_plan_apply(args: argparse.Namespace) -> None:
    from bot.services.plans import apply_plan

    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput("bad_file", f"cannot read {args.file}: {exc}") from exc
    the_app, who = app(), actor()
    result = the_app.call(lambda ctx: apply_plan(ctx, who, args.family, text, args.reason or ""), who)
    data = {"changed": result.changed, "version": result.version, "told": result.told, "uncovered": result.uncovered}
    if result.changed:
        text_out = f"Plan version {result.version} saved."
        if result.told:
            text_out += f" Told about their own commitments: {', '.join(result.told)}."
        if result.uncovered:
            text_out += f" Uncovered until their owner joins: {', '.join(result.uncovered)}."
    else:
        text_out = f"No change: the plan is already version {result.version}."
    out(args, data, text_out)


def add_parsers(p: Parsers) -> None:
    plan = p.group("plan", "the plan")
    pa = p.add("apply", cmd_plan_apply, "apply a TOML plan file (docs/plan-file.md)", plan)
    pa.add_argument("--family", type=int, required=True, help=FAMILY_HELP)
    pa.add_argument("--reason", help="why the plan changed, kept with the version, e.g. \"review meeting\"")
    pa.add_argument("file", help="the plan file, e.g. examples/rowan-family.toml")
