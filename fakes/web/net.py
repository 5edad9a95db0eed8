"""How the fakes and the scenario engine reach each other: in-process by host name, or over
loopback sockets where ``*.localhost`` names resolve to 127.0.0.1 (as browsers resolve them).

Distinct host names matter: Canvas and Accredible must be different *sites* for browser rules
(SameSite cookies, third-party cookies) to apply, and ports do not make sites differ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx


def is_loopback_name(host: str) -> bool:
    """``localhost``, ``*.localhost`` and loopback addresses (RFC 6761 names resolve here)."""
    host = host.strip("[]").lower()
    return (
        host == "localhost"
        or host.endswith(".localhost")
        or host.startswith("127.")
        or host == "::1"
    )


class LoopbackTransport(httpx.BaseTransport):
    """Real HTTP over sockets, resolving ``*.localhost`` to 127.0.0.1 (glibc does not) while
    the ``Host`` header keeps the name, so each fake sees the name it is published under."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host.endswith(".localhost"):
            request.headers["Host"] = request.url.netloc.decode()
            request.url = request.url.copy_with(host="127.0.0.1")
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class WorldTransport(httpx.BaseTransport):
    """Routes each request to the in-process app published under its host (WSGI, no sockets);
    any other host goes out over :class:`LoopbackTransport`."""

    def __init__(self, apps_by_host: dict[str, Callable[..., Any]]) -> None:
        self._routes = {host: httpx.WSGITransport(app=app) for host, app in apps_by_host.items()}
        self._outside = LoopbackTransport()

    def add(self, host: str, app: Callable[..., Any]) -> None:
        self._routes[host] = httpx.WSGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        route = self._routes.get(request.url.netloc.decode().lower())
        return (route or self._outside).handle_request(request)

    def close(self) -> None:
        self._outside.close()


def netloc(url: str) -> str:
    """``https://canvas.test/x`` → ``canvas.test`` (with the port when there is one)."""
    return urlsplit(url).netloc.lower()
