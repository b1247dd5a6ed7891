"""Outbox payloads as JSON text, for many messages of one shape at once (the questions of a tick): messages
that differ only in their text and their buttons' data share one template, encoded once, into which each
message's own strings are filled. The result is the very text EncryptedJSON would make of
`message.to_payload()` (storage.types.json_text); a message that does not fit its template is encoded whole."""

from __future__ import annotations

import re
from json.encoder import encode_basestring  # what json_text uses for strings (non-ASCII kept)

from messages.outbound import OutboundMessage
from storage.types import JSONText, json_text

_SLOT = re.compile(r'"\\u0000(\d+)\\u0000"')  # a marker string as JSON encodes it


class Template:
    """The payload JSON of one message with its text and buttons' data cut out, to be filled by others."""

    def __init__(self, message: OutboundMessage) -> None:
        payload = message.to_payload()
        payload["text"] = "\x000\x00"
        slots = 1
        for row in payload["buttons"]:
            for button in row:
                button["data"] = f"\x00{slots}\x00"
                slots += 1
        pieces = _SLOT.split(json_text(payload))
        self.parts, self.order = pieces[0::2], [int(i) for i in pieces[1::2]]
        self.usable = sorted(self.order) == list(range(slots))  # else a fixed part looked like a marker

    def fill(self, message: OutboundMessage) -> JSONText:
        values = [message.text, *(button.data for row in message.buttons for button in row)]
        if not self.usable or len(values) != len(self.order):
            return JSONText(json_text(message.to_payload()))
        out = [self.parts[0]]
        for slot, part in zip(self.order, self.parts[1:], strict=True):
            out += (encode_basestring(values[slot]), part)
        return JSONText("".join(out))
