"""Held events: what people wrote or pressed while the database could not take it, kept in files until it can.

A platform may consider an event delivered before the bot has written it (Slack is acknowledged within three
seconds, before the work; Telegram's long polling moves its offset on when it reads a batch), so an event the
database refused, after the router's retries, would otherwise be lost. Each is one file in the held
directory, encrypted with the data keys (it holds a person's words), written whole (a temporary file renamed)
and readable by this user only; the oldest first when read back."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from storage.crypto import Keyring

SUFFIX = ".held"
PARTIAL = ".part"  # being written; one left by a crash is tried once it is a minute old (if whole, it reads)
FAILED = ".failed"  # held, and failing for a reason other than the database: kept for the operator
STALE_PART_SECONDS = 60


class HeldEvents:
    def __init__(self, directory: str | Path, keys: Keyring) -> None:
        self.directory, self.keys = Path(directory), keys

    def hold(self, event: dict[str, Any], now_ns: int) -> Path:
        """Keep one event; returns its file."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.directory / f"{now_ns:020d}-{uuid.uuid4().hex}{SUFFIX}"
        partial = path.with_suffix(PARTIAL)
        data = self.keys.encrypt(json.dumps(event, ensure_ascii=False).encode("utf-8"))
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
        _sync_directory(self.directory)  # the rename itself survives a power cut
        return path

    def waiting(self) -> list[Path]:
        """The held events still to handle, the oldest first; a file a crash left half-renamed is among them
        once it is a minute old (encrypted and authenticated, it reads only if it was written whole)."""
        if not self.directory.is_dir():
            return []
        stale = time.time() - STALE_PART_SECONDS
        parts = [p for p in self.directory.glob(f"*{PARTIAL}") if _modified(p) < stale]
        return sorted([*self.directory.glob(f"*{SUFFIX}"), *parts], key=lambda p: p.name)

    def failed(self) -> list[Path]:
        return sorted(self.directory.glob(f"*{FAILED}")) if self.directory.is_dir() else []

    def read(self, path: Path) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.keys.decrypt(path.read_bytes()))
        return value

    @staticmethod
    def done(path: Path) -> None:
        path.unlink(missing_ok=True)

    @staticmethod
    def give_up(path: Path) -> None:
        """Not retried again; the file stays for the operator (`familyteam status` counts it)."""
        path.rename(path.with_suffix(FAILED))


def _modified(path: Path) -> float:
    """When the file was last written; a file renamed meanwhile (a hold finishing) is as new as can be."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
