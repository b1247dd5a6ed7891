"""The questions of a tick are encoded from one template per shape (bot.services.payloads): the very JSON
text each message's own payload gives, whatever its words, and a message that does not fit is encoded whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import product

from bot.buttons import ButtonAction, make_choices
from bot.services.payloads import Template
from messages.catalog import translator
from messages.members import checkin_prompt, hide_label, reveal_label
from messages.outbound import Button, OutboundMessage
from storage.types import JSONText, json_text

WORDS = ['the Rowan family', 'the "Ash" family {alias}', 'żółw 🐢 \\ / \n\t\x00 \x001\x00', '', '\u2028</script>']


def _question(language: str, alias: str, question: str, checkin_id: int, late: bool, discreet: bool
              ) -> OutboundMessage:
    tr = translator(language)
    data = make_choices(b"s", ButtonAction.CHECKIN, checkin_id)
    data["note"] = f"cn.{checkin_id}~abcdefghij"
    due = tr.when(datetime(2026, 11, 30, 15, 0, tzinfo=UTC), "Europe/Warsaw")
    message = checkin_prompt(tr, alias, question, due, data, late=late)
    if discreet:
        message.discreet, message.reveal_label, message.hide_label = True, reveal_label(tr), hide_label(tr)
    return message


def test_a_filled_template_is_the_messages_own_json() -> None:
    for language, late, discreet in product(("en", "es", "pl"), (False, True), (False, True)):
        template = Template(_question(language, "first", "Did you?", 1, late, discreet))
        assert template.usable
        for n, (alias, question) in enumerate(product(WORDS, WORDS)):
            message = _question(language, alias, question, 1000 + n, late, discreet)
            filled = template.fill(message)
            assert isinstance(filled, JSONText)
            assert filled == json_text(message.to_payload()) == json.dumps(message.to_payload(), ensure_ascii=False)
            assert json.loads(filled) == message.to_payload()


def test_a_message_that_does_not_fit_is_encoded_whole() -> None:
    template = Template(_question("en", "a", "b", 1, False, False))
    other = OutboundMessage("no buttons here")
    assert template.fill(other) == json_text(other.to_payload())
    looks_like_a_marker = OutboundMessage("x", [[Button("\x001\x00", "d")]])
    assert not Template(looks_like_a_marker).usable
    assert Template(looks_like_a_marker).fill(looks_like_a_marker) == json_text(looks_like_a_marker.to_payload())
