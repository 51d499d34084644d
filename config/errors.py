"""Domain errors raised by services; the API maps each to its HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """The request is malformed or breaks a rule of the data (400)."""


class NotAllowed(DomainError):
    """The user may see the object but may not do this to it (403)."""

    status_code = 403
    code = "permission_denied"


class WrongState(DomainError):
    """The object is not in a state where this action applies (409)."""

    status_code = 409
    code = "conflict"


class StaleVersion(DomainError):
    """The client's If-Match names a version that is no longer current (412)."""

    status_code = 412
    code = "precondition_failed"


class PreconditionRequired(DomainError):
    """A write that must name the version it changes came without If-Match (428)."""

    status_code = 428
    code = "precondition_required"
