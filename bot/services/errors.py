"""Errors a use case raises. Each carries a short, text-free reason for the audit trail."""

from __future__ import annotations


class ServiceError(Exception):
    def __init__(self, reason: str, message: str = "", family_id: int | None = None, subject: str | None = None):
        super().__init__(message or reason)
        self.reason = reason
        self.message = message or reason
        self.family_id = family_id
        self.subject = subject


class Refused(ServiceError):
    """The actor may not do this. Audited as a refusal in its own transaction."""


class NotFound(ServiceError):
    pass


class InvalidInput(ServiceError):
    pass
