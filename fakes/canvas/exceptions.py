"""Canvas domain errors: what went wrong, in Canvas's words. ``responses.ERRORS`` alone decides
the status code and body each one gets on the wire."""

from __future__ import annotations


class CanvasError(Exception):
    """Base of every Canvas domain error."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(CanvasError):
    """No token at all on an API route."""

    def __init__(self) -> None:
        super().__init__("user authorization required")


class InvalidAccessToken(CanvasError):
    """A token was sent but no such token exists."""

    def __init__(self) -> None:
        super().__init__("Invalid access token.")


class NotAuthorized(CanvasError):
    """Authenticated, but the user may not do this."""

    def __init__(self) -> None:
        super().__init__("user not authorized to perform that action")


class ResourceNotFound(CanvasError):
    """No such record (or not visible to the caller)."""

    def __init__(self, what: str = "") -> None:
        super().__init__(what or "The specified resource does not exist.")


class BadRequest(CanvasError):
    """A controller's own 400 answer, ``{"message": ...}``."""


class Forbidden(CanvasError):
    """A controller's own 403 answer, ``{"message": ...}`` (e.g. a locked module item)."""


class InvalidRecord(CanvasError):
    """Model validation failed: ``{"errors": {attr: [{attribute, type, message}]}}``."""

    def __init__(self, errors: dict[str, list[tuple[str, str]]]) -> None:
        super().__init__("; ".join(f"{k}: {m}" for k, v in errors.items() for _, m in v))
        self.errors = errors


class Conflict(CanvasError):
    """409: the request conflicts with the record's state (``{"message": ...}``)."""


class InvalidMasquerade(CanvasError):
    """``as_user_id`` names nobody: 401 ``{"errors": "Invalid as_user_id"}`` (a string)."""

    def __init__(self) -> None:
        super().__init__("Invalid as_user_id")


class Throttled(CanvasError):
    """The request throttle's bucket is over its high-water mark."""
