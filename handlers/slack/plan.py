"""The plan editor's listeners: an Edit or Add button on the overview pushes the item's form; the item's
submission goes into the core's draft and shows the overview anew (views.update of the view below); the
overview's Save is the one EditPlan intent, with the version check and the reason."""

from __future__ import annotations

import re
from typing import Any

from bot.conversation import staff_intents as i
from handlers.slack.context import Ack, SlackContext, request_key
from handlers.slack.limits import checked_view
from handlers.slack.modals import PLAN, PLAN_ITEM, result_view
from handlers.slack.modals.plan_editor import (
    BOTTOM_LINE,
    COMMITMENT,
    EDIT_COMMITMENT,
    EDIT_LINE,
    item_view,
    plan,
    read_item,
    read_overview,
)
from messages import forms as texts
from messages.catalog import translator


class PlanEditor:
    def __init__(self, slack: SlackContext) -> None:
        self.slack = slack

    def listen(self, bolt: Any) -> None:
        bolt.view(PLAN)(self.on_save)
        bolt.view(PLAN_ITEM)(self.on_item)
        bolt.action(re.compile(f"^{EDIT_LINE}_"))(self.on_edit_line)
        bolt.action(re.compile(f"^{EDIT_COMMITMENT}_"))(self.on_edit_commitment)

    async def on_edit_line(self, ack: Ack, body: dict[str, Any]) -> None:
        await self._open_item(ack, body, BOTTOM_LINE)

    async def on_edit_commitment(self, ack: Ack, body: dict[str, Any]) -> None:
        await self._open_item(ack, body, COMMITMENT)

    async def _open_item(self, ack: Ack, body: dict[str, Any], kind: str) -> None:
        await ack()
        overview = body.get("view") or {}
        _, _, draft_id, _ = read_overview({**overview, "state": {"values": {}}})
        ref = str((body.get("actions") or [{}])[0].get("value") or "")
        outcome = await self.slack.ask(body["user"]["id"], i.PlanItemForm(draft_id, kind, ref), request_key(body))
        if outcome.duplicate:
            return
        tr = translator(outcome.language)
        if outcome.ok:
            view = item_view(tr, outcome.value, str(overview.get("id") or ""))
        else:
            view = result_view(tr, texts.plan(tr)["title"], [outcome.problem])
        await self.slack.push_view(body.get("trigger_id", ""), view)

    async def on_item(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        draft_id, parent, item = read_item(view)
        outcome = await self.slack.ask(body["user"]["id"], i.EditPlanItem(draft_id, item), request_key(body))
        if outcome.duplicate:
            await ack()
            return
        if not outcome.ok:
            await ack(response_action="errors", errors={k: v[:150] for k, v in outcome.errors.items()})
            return
        await ack()  # back to the overview, shown anew with this item
        if parent:
            await self.slack.update_view(parent, plan(translator(outcome.language), outcome.value))

    async def on_save(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        family_id, version, draft_id, edit = read_overview(view)
        outcome = await self.slack.ask(body["user"]["id"], i.EditPlan(family_id, version, edit, draft_id),
                                       request_key(body))
        if outcome.duplicate:
            await ack()
        elif not outcome.ok:
            await ack(response_action="errors", errors={k: v[:150] for k, v in outcome.errors.items()})
        else:
            tr = translator(outcome.language)
            await ack(response_action="update",
                      view=checked_view(result_view(tr, texts.plan(tr)["title"], outcome.lines)))

