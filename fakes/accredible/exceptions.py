"""Accredible domain errors. ``responses.ERRORS`` alone decides their status and body."""

from __future__ import annotations

from typing import Any


class AccredibleError(Exception):
    """Base of every Accredible domain error."""


class MissingToken(AccredibleError):
    """No ``Authorization`` header, or one that is not a token scheme."""


class InvalidKey(AccredibleError):
    """A well-formed header with a key this region does not know."""


class NotFound(AccredibleError):
    """No such record for this issuer; ``body`` is the answer Accredible gives for that kind."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(str(body))
        self.body = body


class Unprocessable(AccredibleError):
    """Validation failed: ``errors`` is a message or ``{field: [messages]}``."""

    def __init__(self, errors: str | dict[str, list[str]]) -> None:
        super().__init__(str(errors))
        self.errors = errors


class BadRequest(AccredibleError):
    """Bad parameters (400, ``{"errors": ...}``)."""

    def __init__(self, errors: str) -> None:
        super().__init__(errors)
        self.errors = errors
