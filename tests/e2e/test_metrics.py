"""/metrics through the real aiohttp route: outbox depth and oldest age by purpose and platform (computed
when scraped), sends by result, 429s, time to acknowledge, sweep durations, inbound updates by kind and
result, and build info. Counters are per process, so every check is a difference between two scrapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import metadata

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.ports import Delivery, DeliveryError, DeliveryFailure, Inbound, InboundKind
from bot.web import build_web
from messages.outbound import OutboundMessage
from tests.support.harness import Harness

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _parse(text: str) -> Samples:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every series of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, lab), v in samples.items() if n == name and want <= lab)


async def test_metrics_route_shows_the_outbox_sends_429s_acks_sweeps_and_inbound(hs: Harness) -> None:
    await hs.network()
    await hs.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))  # working hours: the caseworker is told
    webapp = build_web(hs.app.db, lambda: ["console"], hs.clock)
    async with TestClient(TestServer(webapp)) as client:

        async def scrape() -> Samples:
            response = await client.get("/metrics")
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            return _parse(await response.text())

        before = await scrape()
        assert value(before, "familyteam_build_info", version=metadata.version("familyteam")) == 1.0

        errors: dict[str, list[DeliveryError]] = {
            "gran": [DeliveryError(DeliveryFailure.RETRY, "429", retry_after=30)],
            "sue": [DeliveryError(DeliveryFailure.PERMANENT, "too long"),
                    DeliveryError(DeliveryFailure.BLOCKED, "gone")],
        }
        original = hs.console.send

        async def send(external_id: str, message: OutboundMessage, thread_ref: str | None = None) -> Delivery:
            if errors.get(external_id):
                raise errors[external_id].pop(0)
            return await original(external_id, message, thread_ref=thread_ref)

        hs.console.send = send  # type: ignore[method-assign]

        # Gran raises a worry: the reply to her meets a 429 and waits; the alert to the caseworker goes.
        await hs.say("gran", "worried: nobody answered the door")
        hs.clock.advance(timedelta(seconds=20))  # no delivery pass: the reply waits in the outbox
        mid = await scrape()
        assert value(mid, "familyteam_outbox_depth", purpose="reply", platform="console") == 1
        assert value(mid, "familyteam_outbox_oldest_age_seconds", purpose="reply", platform="console") == 20
        assert value(mid, "familyteam_rate_limited_total", platform="console") - \
            value(before, "familyteam_rate_limited_total", platform="console") == 1
        assert total(mid, "familyteam_outbox_sends_total", result="retried") - \
            total(before, "familyteam_outbox_sends_total", result="retried") == 1
        assert total(mid, "familyteam_inbound_updates_total", kind="text", result="handled") - \
            total(before, "familyteam_inbound_updates_total", kind="text", result="handled") == 1

        # Ten minutes later the caseworker acknowledges; the 429'd reply has gone out on the way.
        await hs.advance(timedelta(minutes=10) - timedelta(seconds=20))
        await hs.press("anna", "Acknowledge")
        # Sue writes (her reply fails for good), a redelivery is dropped, and a forged button is refused (the
        # refusal finds her chat blocked).
        await hs.send(Inbound("console", "sue", InboundKind.TEXT, text="worried: the door was locked",
                              event_id="sue-1"))
        await hs.send(Inbound("console", "sue", InboundKind.TEXT, text="worried: again", event_id="sue-1"))
        await hs.press("sue", "", data="forged")
        after = await scrape()

    def grew(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert value(after, "familyteam_outbox_depth", purpose="reply", platform="console") == 0
    assert grew("familyteam_escalation_ack_seconds_count") == 1
    assert 590 <= grew("familyteam_escalation_ack_seconds_sum") <= 610
    assert grew("familyteam_outbox_sends_total", result="sent") >= 3
    assert grew("familyteam_outbox_sends_total", result="failed") == 1
    assert grew("familyteam_outbox_sends_total", result="blocked") == 1
    assert grew("familyteam_inbound_updates_total", kind="text", result="duplicate") == 1
    assert grew("familyteam_inbound_updates_total", kind="button", result="refused") == 1
    assert grew("familyteam_inbound_updates_total", kind="button", result="handled") == 1
    # Only sweeps with work run (the engine asks each sweep's next moment first); setting up a family gave
    # its summaries work, so sweeps have been timed in this process.
    assert total(after, "familyteam_sweep_duration_seconds_count") >= 1
