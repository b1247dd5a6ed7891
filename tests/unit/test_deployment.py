"""Deployment files, checked without a Docker daemon: compose.yaml loads and wires the app to a healthy
PostgreSQL 15 with a volume; the Dockerfile is slim, non-root, installs from the hashed lock and checks
/healthz; the lock files pin every dependency with hashes; docs/operations.md names every metric."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from bot import metrics
from bot.settings import Settings
from bot.web import OutboxCollector
from storage.crypto import new_key

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==(\S+) \\\n")


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_compose_runs_the_app_on_a_healthy_postgres_with_a_volume() -> None:
    spec = compose()
    db, app = spec["services"]["db"], spec["services"]["app"]
    assert db["image"] == "postgres:15"
    volume = db["volumes"][0].split(":")
    assert volume[1] == "/var/lib/postgresql/data" and volume[0] in spec["volumes"], "a named volume for the data"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert app["depends_on"] == {"db": {"condition": "service_healthy"}}
    command = " ".join(app["command"])
    assert command.index("familyteam db upgrade") < command.index("familyteam run"), "migrate first, then run"
    assert "/healthz" in " ".join(app["healthcheck"]["test"])
    url = app["environment"]["DATABASE_URL"].replace("${POSTGRES_PASSWORD:-change-me}", "secret")
    # FAMILYTEAM_DATA_KEYS comes from .env (README: `familyteam db new-key`): PostgreSQL refuses to start without.
    assert any(str(f.get("path", f)) == ".env" if isinstance(f, dict) else f == ".env" for f in app["env_file"])
    settings = Settings(DATABASE_URL=url, FAMILYTEAM_HTTP_HOST=app["environment"]["FAMILYTEAM_HTTP_HOST"],
                        FAMILYTEAM_HTTP_PORT=app["environment"]["FAMILYTEAM_HTTP_PORT"],
                        FAMILYTEAM_DATA_KEYS=new_key())
    assert settings.database_url.startswith("postgresql+psycopg://") and "@db:5432/" in settings.database_url
    published = app["ports"][0].split(":")
    assert published[-1] == str(settings.http_port)
    held = app["environment"]["FAMILYTEAM_HELD_DIR"]
    mounts = dict(reversed(v.split(":")[:2]) for v in app["volumes"])
    assert any(held.startswith(path + "/") and name in spec["volumes"] for path, name in mounts.items()), \
        "events held while the database is down survive a restart of the container"


def test_dockerfile_is_slim_non_root_hash_checked_and_health_checked() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM (\S+)", text, re.M)
    assert stages and all(s.startswith("python:3.11-slim") for s in stages)
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0"), "the final stage runs as a non-root user"
    assert "--require-hashes -r /tmp/requirements-runtime.lock" in text
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", text, re.M)
    assert 'CMD ["familyteam", "run"]' in text
    for path in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M):
        for name in path.split():
            assert (ROOT / name).exists(), f"the Dockerfile copies {name}, which does not exist"


def _pins(name: str) -> dict[str, str]:
    """name -> version of every pinned requirement; each must carry its hashes."""
    pins = {}
    for entry in re.split(r"\n(?=\S)", (ROOT / name).read_text(encoding="utf-8")):
        pinned = PIN.match(entry)
        if pinned:
            assert "--hash=sha256:" in entry, f"{name}: {pinned.group(1)} has no hash"
            pins[pinned.group(1).lower().replace("_", "-")] = pinned.group(3)
    return pins


def test_lock_files_pin_every_dependency_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    full, runtime = _pins("requirements.lock"), _pins("requirements-runtime.lock")

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[\[<>=!~ ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}

    assert names(project["dependencies"]) <= set(runtime)
    assert names(project["dependencies"] + project["optional-dependencies"]["dev"]) <= set(full)
    assert all(full[name] == version for name, version in runtime.items()), "one set of versions"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -q --require-hashes -r requirements.lock" in ci and "pip install -q --no-deps -e ." in ci


def test_operations_guide_names_every_metric() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    names = {m.name for m in metrics.REGISTRY.collect()} | {m.name for m in OutboxCollector._families()}
    assert len(names) >= 10
    for name in names:
        shown = name + "_total" if f"{name}_total" in metrics.exposition().decode() else name
        assert shown in guide or f"{name}_info" in guide, f"docs/operations.md does not explain {name}"
