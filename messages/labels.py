"""Short labels shared by every reader: answers and their icons, meeting kinds."""

from __future__ import annotations

from messages.catalog import Translator

ANSWER_ICONS = {"done": "✅", "not_done": "❌", "worried": "⚠️", "missed": "…", "pending": "·", "cancelled": "–"}


def answer_label(tr: Translator, answer: str) -> str:
    return {
        "done": tr._("Done"),
        "not_done": tr._("Not done"),
        "worried": tr._("Worried"),
        "missed": tr._("No answer"),
        "pending": tr._("Waiting"),
        "cancelled": tr._("Cancelled"),
    }[answer]


def meeting_kind_label(tr: Translator, kind: str) -> str:
    return {
        "family_network": tr._("Family network meeting"),
        "review": tr._("Review meeting"),
        "core_group": tr._("Core group meeting"),
        "child_in_need": tr._("Child in need meeting"),
        "looked_after_review": tr._("Looked-after review"),
        "permanence_planning": tr._("Permanence planning meeting"),
        "other": tr._("Meeting"),
    }.get(kind, tr._("Meeting"))
