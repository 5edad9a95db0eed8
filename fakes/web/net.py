"""How the fakes and the scenario engine reach each other: in-process by host name, or over
loopback sockets where ``*.localhost`` names resolve to 127.0.0.1 (as browsers resolve them).

Distinct host names matter: Canvas and Accredible must be different *sites* for browser rules
(SameSite cookies, third-party cookies) to apply, and ports do not make sites differ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from fakes.web.app import FakeApp
from fakes.web.http import MAX_BODY_BYTES, ApiRequest, RequestHeaders, wire_headers


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


def _received(
    method: str,
    scheme: str,
    host: str,
    port: int | None,
    path: str,
    query: str,
    headers: RequestHeaders,
    body: bytes,
) -> ApiRequest:
    """The request a fake sees in-process: a body over the limit is withheld as a socket
    server withholds it, the default port filled in."""
    return ApiRequest(
        method,
        path,
        query_string=query,
        headers=headers,
        body=body if len(body) <= MAX_BODY_BYTES else None,
        scheme=scheme,
        server=(host, port or (443 if scheme == "https" else 80)),
        content_length=len(body),
    )


def _answered(app: FakeApp, request: ApiRequest) -> tuple[int, list[tuple[str, str]], bytes]:
    """The fake's answer as status, wire headers and body (none for HEAD)."""
    answer = app.respond(request)
    content = answer.body_bytes()
    return (
        answer.status,
        wire_headers(answer, len(content)),
        b"" if request.method == "HEAD" else content,
    )


def api_request(request: httpx.Request) -> ApiRequest:
    """What a socket server would hand a fake for this httpx request (a test holds the two
    equal, and equal to what werkzeug's own request object reads, over generated requests)."""
    url = request.url
    headers = RequestHeaders.from_pairs(
        (k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw
    )
    return _received(
        request.method, url.scheme, url.host, url.port, url.path,
        url.query.decode("latin-1"), headers, request.read(),
    )  # fmt: skip


class AppTransport(httpx.BaseTransport):
    """One fake in-process: httpx's request goes to :meth:`FakeApp.respond` as an
    :class:`ApiRequest`, with no WSGI environ and no werkzeug request or response in between
    (``httpx.WSGITransport`` and werkzeug's wrappers were over half of an in-process call:
    ``bench/run.py`` profile). The fake sees what a socket server would hand it: the decoded
    path, the raw query string, the headers, the body and 127.0.0.1 as the client."""

    def __init__(self, app: FakeApp) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        status, headers, content = _answered(self.app, api_request(request))
        # a ready stream: httpx then skips re-deriving the headers from the content
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))


class WorldTransport(httpx.BaseTransport):
    """Routes each request to the in-process app published under its host (a fake straight
    through :class:`AppTransport`, any other WSGI app through httpx's WSGI transport; no
    sockets); any other host goes out over :class:`LoopbackTransport`."""

    def __init__(self, apps_by_host: dict[str, Callable[..., Any]]) -> None:
        self._routes: dict[str, httpx.BaseTransport] = {}
        for host, app in apps_by_host.items():
            self.add(host, app)
        self._outside = LoopbackTransport()

    def add(self, host: str, app: Callable[..., Any]) -> None:
        self._routes[host] = (
            AppTransport(app) if isinstance(app, FakeApp) else httpx.WSGITransport(app=app)
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        route = self._routes.get(request.url.netloc.decode().lower())
        return (route or self._outside).handle_request(request)

    def exchange(
        self, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """One request to an in-process fake without httpx's request and response objects
        (the simulated browser's path: they were ~70 µs of each page it loads); ``None`` when
        ``url`` is not a fake here. The fake sees what :func:`api_request` would give it for
        the same request sent through httpx: the Host, the headers, a Content-Length."""
        parts = urlsplit(url)
        route = self._routes.get(parts.netloc.lower())
        if not isinstance(route, AppTransport):
            return None
        pairs = [("Host", parts.netloc), *headers.items()]
        if body or method in ("POST", "PUT", "PATCH"):
            pairs.append(("Content-Length", str(len(body))))
        request = _received(
            method, parts.scheme, parts.hostname or "", parts.port,
            unquote(parts.path, errors="replace") or "/", parts.query,
            RequestHeaders.from_pairs(pairs), body,
        )  # fmt: skip
        return _answered(route.app, request)

    def close(self) -> None:
        self._outside.close()


def netloc(url: str) -> str:
    """``https://canvas.test/x`` → ``canvas.test`` (with the port when there is one)."""
    return urlsplit(url).netloc.lower()
