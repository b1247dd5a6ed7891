"""The button registry: every kind of button round-trips, has a handler, and forged or garbage data is
refused without an exception."""

from __future__ import annotations

import pytest

from bot.conversation import buttons, router  # noqa: F401  (the router attaches every handler)
from bot.conversation.buttons import PAYLOAD, ButtonAction, Pressed, make, read

SECRET = b"registry-secret"
EXAMPLES: dict[ButtonAction, tuple[object, ...]] = {
    ButtonAction.CONSENT: (12, "y"),
    ButtonAction.CHECKIN: (123456789, "not_done"),
    ButtonAction.NOTE: (7,),
    ButtonAction.MEETING: (3, "cant_come"),
    ButtonAction.ACK: (99,),
    ButtonAction.RESOLVE: (100,),
    ButtonAction.SHOW: (123456789012,),
    ButtonAction.HIDE: (123456789012,),
    ButtonAction.LANGUAGE: ("es",),
    ButtonAction.LEAVE: ("y",),
    ButtonAction.REPLY: (123456789012,),
}


def test_every_action_has_an_example_a_payload_and_a_handler() -> None:
    assert set(EXAMPLES) == set(ButtonAction) == set(PAYLOAD) == set(buttons.HANDLERS)


@pytest.mark.parametrize("action", list(ButtonAction))
def test_every_action_round_trips_within_telegram_64_bytes(action: ButtonAction) -> None:
    data = make(SECRET, action, *EXAMPLES[action])
    assert len(data.encode()) <= 64
    assert read(SECRET, data) == Pressed(action, EXAMPLES[action])
    assert read(b"another-secret", data) is None, "signed with another secret"


@pytest.mark.parametrize("action", list(ButtonAction))
def test_tampered_data_is_refused(action: ButtonAction) -> None:
    data = make(SECRET, action, *EXAMPLES[action])
    body, sig = data.rsplit("~", 1)
    assert read(SECRET, body + "1~" + sig) is None
    assert read(SECRET, body + "~" + sig[::-1]) is None
    assert read(SECRET, data + "x") is None


@pytest.mark.parametrize("garbage", [
    "", "~", "x~\u0080", "\u0080~\u0080", "\ud800~x", "ea.1", "ea.1~", "~~~~", "a" * 500, "ea.1~" + "é" * 10,
    None, 42, b"ea.1~abc", ["ea", 1], "zz.1~AAAAAAAAAA", "ea.-1~AAAAAAAAAA",
])
def test_garbage_is_refused_without_an_exception(garbage: object) -> None:
    assert read(SECRET, garbage) is None


def test_well_signed_but_malformed_payloads_are_refused() -> None:
    from bot import buttons as signer

    for action, args in [("ea", ()), ("ea", ("x",)), ("ea", ("1", "2")), ("ci", ("1", "maybe")), ("lg", ("fr",)),
                         ("zz", ("1",)), ("ea", ("١",)), ("cs", ("1", "yes"))]:
        assert read(SECRET, signer.sign(SECRET, action, *args)) is None, (action, args)


@pytest.mark.parametrize(("action", "args"), [
    (ButtonAction.ACK, ()), (ButtonAction.ACK, ("1",)), (ButtonAction.ACK, (-1,)), (ButtonAction.ACK, (True,)),
    (ButtonAction.CHECKIN, (1, "maybe")), (ButtonAction.LANGUAGE, ("fr",)), (ButtonAction.CONSENT, (1, "y", 2)),
])
def test_making_a_button_with_wrong_arguments_is_a_programming_error(action: ButtonAction, args: tuple) -> None:
    with pytest.raises(ValueError):
        make(SECRET, action, *args)


def test_one_button_per_choice_is_the_same_data_as_making_each() -> None:
    from bot.buttons import make_choices

    for action, args in [(ButtonAction.CHECKIN, (7,)), (ButtonAction.MEETING, (3,))]:
        choices = PAYLOAD[action][-1]
        assert make_choices(SECRET, action, *args) == {c: make(SECRET, action, *args, c) for c in choices}
    for action, args in [(ButtonAction.CHECKIN, ()), (ButtonAction.CHECKIN, (-1,)), (ButtonAction.NOTE, (1,))]:
        with pytest.raises(ValueError):
            make_choices(SECRET, action, *args)


@pytest.mark.parametrize("secret", [b"", b"k", SECRET, b"x" * 63, b"x" * 64, b"x" * 65, bytes(range(256))])
def test_signatures_are_hmac_sha256_of_the_standard_library(secret: bytes) -> None:
    """Buttons are signed from hash states keyed once (bot.buttons._keyed): the same first 10 url-safe base64
    characters as the standard library's HMAC-SHA256, for keys shorter and longer than SHA-256's block."""
    import base64
    import hashlib
    import hmac

    from bot.buttons import make_choices

    for data in [make(secret, ButtonAction.NOTE, 5), make(secret, ButtonAction.LANGUAGE, "pl"),
                 *make_choices(secret, ButtonAction.CHECKIN, 123456789).values()]:
        body, sig = data.rsplit("~", 1)
        expected = base64.urlsafe_b64encode(hmac.new(secret, body.encode(), hashlib.sha256).digest())[:10]
        assert sig.encode() == expected, data
        assert read(secret, data) is not None
        assert read(secret + b"!", data) is None
