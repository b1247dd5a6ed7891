"""The process's counters (prometheus-client), in one registry that a /metrics endpoint can expose with
`exposition()`, and the one way an adapter records an inbound update it could not read or chose to ignore.

An unreadable update is logged as one structured line (`inbound_unreadable platform=... update_id=...
keys=... shape=...`) and counted; the line carries the update's shape (field names and value types), never
a text, a name or an id of a person, so operators can see what the library failed on without seeing what
anyone said."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from prometheus_client import CollectorRegistry, Counter, generate_latest

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
UNREADABLE = Counter("familyteam_inbound_unreadable", "Inbound updates a platform library could not read",
                     ["platform"], registry=REGISTRY)
IGNORED = Counter("familyteam_inbound_ignored", "Inbound updates answered but with nothing for the core to do",
                  ["platform", "reason"], registry=REGISTRY)

_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")  # an API field name; anything else may be content
_MAX_DEPTH, _MAX_SHAPE = 6, 2000


def exposition() -> bytes:
    """The counters in Prometheus' text format (for a /metrics route)."""
    return generate_latest(REGISTRY)


def count(counter: Counter, **labels: str) -> float:
    """A counter's current value for these labels (0 if never counted): for tests and health checks."""
    value = REGISTRY.get_sample_value(f"{counter._name}_total", labels)
    return value or 0.0


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
