"""A plan being edited item by item (Slack's plan editor: an overview, and one small form per bottom line or
commitment). The edits so far live in a draft row, not in the form, so a plan of any size fits; saving goes
through bot.services.plan_editor.edited_content like every form edit, with the version the draft started from.

Items keep the refs the form gives problems back under: "bl_<n>" for a bottom line, "c<n>" for a commitment."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from bot.services.context import Actor, Ctx
from bot.services.errors import NotFound
from bot.services.plan_editor import EditedCommitment, EditedLine, PlanEdit, edited_content, slug
from storage.models import PlanDraft, PlanVersion

KEEP = timedelta(days=1)  # an editor left open longer than this is opened again


@dataclass(frozen=True)
class Draft:
    id: int
    family_id: int
    base_version: int
    bottom_lines: list[EditedLine]
    commitments: list[EditedCommitment]

    def line(self, ref: str) -> EditedLine | None:
        return next((b for b in self.bottom_lines if b.ref == ref), None)

    def commitment(self, ref: str) -> EditedCommitment | None:
        return next((c for c in self.commitments if c.ref == ref), None)

    def guards(self) -> list[tuple[str, str]]:
        """The bottom lines a commitment can guard: (key, text), those not emptied."""
        return [(b.key, b.text) for b in self.bottom_lines if b.key and b.text.strip()]


def _draft(row: PlanDraft) -> Draft:
    return Draft(row.id, row.family_id, row.base_version, [EditedLine(**b) for b in row.bottom_lines],
                 [EditedCommitment(**c) for c in row.commitments])


def open_draft(ctx: Ctx, actor: Actor, family_id: int, latest: PlanVersion | None) -> Draft:
    """A new draft of the latest version (drafts older than a day are cleared on the way)."""
    ctx.s.execute(delete(PlanDraft).where(PlanDraft.created_at < ctx.now - KEEP))
    content = latest.content if latest else {}
    lines = [asdict(EditedLine(f"bl_{i}", b["key"], b["text"])) for i, b in enumerate(content.get("bottom_line", []))]
    commitments = [asdict(EditedCommitment(
        ref=f"c{g}", key=c["key"], member=c.get("member", ""), text=c.get("text", ""), schedule=c.get("schedule", ""),
        grace=c.get("grace"), guards=c.get("guards") or "-")) for g, c in enumerate(content.get("commitment", []))]
    row = PlanDraft(family_id=family_id, author=actor.label, base_version=latest.number if latest else 0,
                    bottom_lines=lines, commitments=commitments, next_ref=len(lines) + len(commitments),
                    created_at=ctx.now, updated_at=ctx.now)
    ctx.s.add(row)
    ctx.s.flush()
    return _draft(row)


def _find(ctx: Ctx, actor: Actor, draft_id: int) -> PlanDraft | None:
    row = ctx.s.get(PlanDraft, draft_id) if draft_id else None
    if row is None or row.author != actor.label or row.created_at < ctx.now - KEEP:
        return None
    return row


def _row(ctx: Ctx, actor: Actor, draft_id: int) -> PlanDraft:
    row = _find(ctx, actor, draft_id)
    if row is None:
        raise NotFound("draft_gone", "this plan editor was closed or has expired")
    return row


def find_draft(ctx: Ctx, actor: Actor, draft_id: int) -> Draft | None:
    """The actor's own open draft (None when saved, expired or someone else's)."""
    row = _find(ctx, actor, draft_id)
    return _draft(row) if row else None


def drop_draft(ctx: Ctx, actor: Actor, draft_id: int) -> None:
    ctx.s.delete(_row(ctx, actor, draft_id))


Item = EditedLine | EditedCommitment


def with_item(draft: Draft, item: Item, new_ref: str) -> tuple[Draft, Item]:
    """The draft with `item` in place of the draft's item with its ref (keeping that item's key), or added
    under `new_ref` when the draft has no such item (ref "": a new one)."""
    if isinstance(item, EditedLine):
        old_line = draft.line(item.ref) if item.ref else None
        line = replace(item, key=old_line.key) if old_line else replace(item, ref=new_ref, key=None)
        lines = [line if b.ref == line.ref else b for b in draft.bottom_lines]
        return replace(draft, bottom_lines=lines if old_line else [*lines, line]), line
    old = draft.commitment(item.ref) if item.ref else None
    c = replace(item, key=old.key) if old else replace(item, ref=new_ref, key=None, remove=False)
    if c.remove and old is not None and old.key is None:  # added in this draft: just gone again
        return replace(draft, commitments=[x for x in draft.commitments if x.ref != c.ref]), c
    commitments = [c if x.ref == c.ref else x for x in draft.commitments]
    return replace(draft, commitments=commitments if old else [*commitments, c]), c


def item_problems(latest: dict[str, Any], draft: Draft, ref: str) -> dict[str, str]:
    """The problems a save would find with the item `ref` (by the form's field: the ref stripped off)."""
    edit = PlanEdit(contingency=latest.get("contingency") or "", avoid=list(latest.get("people_to_avoid") or []),
                    bottom_lines=draft.bottom_lines, commitments=draft.commitments, reason="-")
    problems = edited_content(latest, edit).problems
    out = {}
    for field, problem in problems.items():
        if field == ref:
            out["text"] = problem
        elif field.startswith(f"{ref}_"):
            out[field.removeprefix(f"{ref}_")] = problem
    return out


def put_item(ctx: Ctx, actor: Actor, draft_id: int, item: Item, latest: dict[str, Any]) -> tuple[Draft, dict[str, str]]:
    """Put one edited item in the draft: (the draft, {}) or (the draft unchanged, problems by field).
    A new bottom line gets its key now, so commitments can guard it before the plan is saved."""
    row = _row(ctx, actor, draft_id)
    draft = _draft(row)
    if not item.text.strip() and (not item.ref if isinstance(item, EditedLine) else not item.remove):
        return draft, {"text": "need_text"}  # words needed (an existing bottom line left empty is removed)
    prefix = "bl_" if isinstance(item, EditedLine) else "c"
    new_ref = f"{prefix}{row.next_ref}"
    changed, put = with_item(draft, item, new_ref)
    if isinstance(put, EditedLine) and put.key is None:
        taken = {b.key for b in changed.bottom_lines if b.key} | {b["key"] for b in latest.get("bottom_line", [])}
        put = replace(put, key=slug(put.text.strip(), taken, "bottom-line"))
        changed = replace(changed, bottom_lines=[put if b.ref == put.ref else b for b in changed.bottom_lines])
    problems = item_problems(latest, changed, put.ref)
    if problems:
        return draft, problems
    row.bottom_lines = [asdict(b) for b in changed.bottom_lines]
    row.commitments = [asdict(c) for c in changed.commitments]
    row.next_ref += 1 if put.ref == new_ref else 0
    row.updated_at = ctx.now
    return changed, {}
