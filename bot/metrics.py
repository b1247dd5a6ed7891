"""The process's metrics (prometheus-client), in one registry that the /metrics route (bot/web.py) exposes
with `exposition()`, and the one way an adapter records an inbound update it could not read or chose to ignore.

Counters and histograms live here, once per process, on a dedicated registry (never prometheus-client's
global one, so building many apps in one test process never registers a name twice). What depends on a
database (the outbox's depth and oldest row) is computed when scraped, by `OutboxCollector` on a registry
of each app's own (bot/web.py). The names, for operators (docs/operations.md):

- familyteam_outbox_sends_total{platform,result}: deliveries by result (sent, retried, failed, blocked)
- familyteam_rate_limited_total{platform}: a platform said "slow down" (HTTP 429 / retry_after)
- familyteam_outbox_unknown_total{platform,purpose,action}: sends whose outcome is unknown (a timeout after
  the request left), by what was done: `resent` (safety messages) or `not_resent` (everything else)
- familyteam_outbox_duplicates_total{platform,purpose}: safety messages delivered again after an unknown
  outcome, so possibly received twice
- familyteam_escalation_ack_seconds: time from an escalation opening to its acknowledgement (histogram)
- familyteam_sweep_duration_seconds{sweep}: how long one batch of an engine sweep took (histogram; a tick runs
  a batch of each sweep with work a pass)
- familyteam_inbound_updates_total{platform,kind,result}: chat events through the router by result
  (handled, duplicate, refused, failed)
- familyteam_inbound_held_total{platform,result}: events held in a file while the database was unavailable
  (held), handled later (released), or set aside for the operator (failed)
- familyteam_inbound_unreadable_total{platform}, familyteam_inbound_ignored_total{platform,reason}
- familyteam_build_info{version}: the installed version
- familyteam_outbox_depth{purpose,platform}, familyteam_outbox_oldest_age_seconds{purpose,platform}:
  rows waiting to be delivered (pending or being sent), and how long the oldest of them has waited

An unreadable update is logged as one structured line (`inbound_unreadable platform=... update_id=...
keys=... shape=...`) and counted; the line carries the update's shape (field names and value types), never
a text, a name or an id of a person, so operators can see what the library failed on without seeing what
anyone said."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from importlib import metadata
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, Info, generate_latest

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
UNREADABLE = Counter("familyteam_inbound_unreadable", "Inbound updates a platform library could not read",
                     ["platform"], registry=REGISTRY)
IGNORED = Counter("familyteam_inbound_ignored", "Inbound updates answered but with nothing for the core to do",
                  ["platform", "reason"], registry=REGISTRY)
SENDS = Counter("familyteam_outbox_sends", "Outbox deliveries by result (sent, retried, failed, blocked)",
                ["platform", "result"], registry=REGISTRY)
RATE_LIMITED = Counter("familyteam_rate_limited", "Sends a platform refused with a retry-after (HTTP 429)",
                       ["platform"], registry=REGISTRY)
UNKNOWN = Counter("familyteam_outbox_unknown", "Sends whose outcome is unknown (timeout after the request left)",
                  ["platform", "purpose", "action"], registry=REGISTRY)
DUPLICATES = Counter("familyteam_outbox_duplicates", "Safety messages delivered again after an unknown outcome",
                     ["platform", "purpose"], registry=REGISTRY)
ACK_SECONDS = Histogram("familyteam_escalation_ack_seconds", "Time from an escalation opening to its acknowledgement",
                        buckets=(60, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400), registry=REGISTRY)
SWEEP_SECONDS = Histogram("familyteam_sweep_duration_seconds", "How long one batch of an engine sweep took", ["sweep"],
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=REGISTRY)
INBOUND = Counter("familyteam_inbound_updates", "Chat events through the router by kind and result",
                  ["platform", "kind", "result"], registry=REGISTRY)
HELD = Counter("familyteam_inbound_held", "Chat events held in a file while the database was unavailable, "
               "and what became of them (held, released, failed)", ["platform", "result"], registry=REGISTRY)
BUILD = Info("familyteam_build", "The installed FamilyTeam", registry=REGISTRY)


def _version() -> str:
    try:
        return metadata.version("familyteam")
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown"


BUILD.info({"version": _version()})

_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")  # an API field name; anything else may be content
_MAX_DEPTH, _MAX_SHAPE = 6, 2000


def exposition() -> bytes:
    """The counters in Prometheus' text format (for a /metrics route)."""
    return generate_latest(REGISTRY)


def count(counter: Counter, **labels: str) -> float:
    """A counter's current value for these labels (0 if never counted): for tests and health checks."""
    value = REGISTRY.get_sample_value(f"{counter._name}_total", labels)
    return value or 0.0


def sent(platform: str, result: str) -> None:
    """One delivery's outcome: sent, retried, failed or blocked."""
    SENDS.labels(platform=platform, result=result).inc()


def acknowledged(opened_at: datetime, at: datetime) -> None:
    """An escalation was acknowledged (or resolved without one) at `at`."""
    ACK_SECONDS.observe(max(0.0, (at - opened_at).total_seconds()))


def inbound(platform: str, kind: str, result: str) -> None:
    """A chat event through the router: handled, duplicate, refused or failed."""
    INBOUND.labels(platform=platform, kind=kind, result=result).inc()


def shape(value: Any, depth: int = 0) -> Any:
    """The value with every leaf replaced by its type name: field names stay, texts and numbers go.
    Keys that do not look like API field names (a body could carry content in keys) become "?"."""
    if depth >= _MAX_DEPTH:
        return "..."
    if isinstance(value, dict):
        return {(k if isinstance(k, str) and _FIELD.match(k) else "?"): shape(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0], depth + 1), f"x{len(value)}"] if value else []
    if value is None:
        return None
    return type(value).__name__


def record_unreadable(platform: str, update_id: object, payload: object, error: BaseException | str) -> None:
    """An update the platform's library (or our parser) could not read: answered, never retried, counted,
    and logged redacted for operators."""
    UNREADABLE.labels(platform=platform).inc()
    kinds = sorted(k for k in payload if isinstance(k, str) and _FIELD.match(k)) if isinstance(payload, dict) else []
    reason = error if isinstance(error, str) else type(error).__name__
    uid = update_id if isinstance(update_id, int | str) and len(str(update_id)) <= 40 else None
    log.warning("inbound_unreadable platform=%s update_id=%s reason=%s keys=%s shape=%s", platform, uid, reason,
                ",".join(kinds), json.dumps(shape(payload), separators=(",", ":"))[:_MAX_SHAPE])


def record_ignored(platform: str, reason: str) -> None:
    """An update answered with nothing for the core to do (a channel post, a bot's own message, ...)."""
    IGNORED.labels(platform=platform, reason=reason).inc()
    log.debug("inbound_ignored platform=%s reason=%s", platform, reason)
