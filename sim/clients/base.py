"""What every client shares: sending a request and turning a failure into :class:`ApiError`."""

from __future__ import annotations

import json
from typing import Any

import httpx


class NetworkError(Exception):
    """The service cut the connection or never answered."""


class ApiError(Exception):
    """A request the service refused: method, URL, status and the body it answered."""

    def __init__(self, response: httpx.Response) -> None:
        self.method = response.request.method
        self.url = str(response.request.url)
        self.status = response.status_code
        self.text = response.text
        try:
            self.body: Any = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            self.body = self.text
        super().__init__(
            f"{self.method} {response.request.url.path} -> {self.status}: {self.text.strip()[:300]}"
        )


def send(http: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """Send one request; any status >= 400 raises :class:`ApiError`."""
    try:
        response = http.request(method, path, **kwargs)
    except (httpx.TransportError, OSError) as error:
        raise NetworkError(
            f"{method} {path}: the connection failed ({type(error).__name__})"
        ) from None
    if response.status_code >= 400:
        raise ApiError(response)
    return response
