"""What every use case gets: the open transaction, the time, the settings and the signing secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.settings import Settings


@dataclass
class Actor:
    """Who is acting: a person through a chat identity, the CLI operator, or the engine."""

    label: str  # for the audit trail only: "person:12", "cli:alice", "engine"
    person_id: int | None = None
    identity_id: int | None = None
    operator: bool = False  # the command-line operator, who may act on any family

    @classmethod
    def engine(cls) -> Actor:
        return cls("engine")

    @classmethod
    def cli(cls, who: str = "operator") -> Actor:
        return cls(f"cli:{who}"[:64], operator=True)


@dataclass
class Ctx:
    s: Session
    now: datetime
    settings: Settings
    secret: bytes
