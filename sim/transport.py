"""The transport seam: the same clients run in-process (fast, no sockets) or over real sockets.

:func:`start_fakes` gives a :class:`Fakes` handle with one ``httpx.Client`` per service;
nothing above this module knows which transport is underneath.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any, Literal

import httpx

from fakes.web.net import LoopbackTransport, WorldTransport, netloc
from fakes.web.serving import FakeServer
from fakes.world import SERVICES, World, build_world

Transport = Literal["inprocess", "socket"]
TRANSPORTS: tuple[Transport, ...] = ("inprocess", "socket")

#: Base URLs of the in-process fakes (``.test`` is reserved for testing, so never real).
INPROCESS_URLS = {
    "canvas": "https://canvas.test",
    "accredible-us": "https://api.accredible.test",
    "accredible-eu": "https://eu.api.accredible.test",
}
#: Host names of the fakes on sockets: ``*.localhost`` resolves to loopback (RFC 6761) and keeps
#: Canvas and Accredible different sites, as they are for real.
SOCKET_HOSTS = {
    "canvas": "canvas.localhost",
    "accredible-us": "api.accredible.localhost",
    "accredible-eu": "eu.api.accredible.localhost",
}


_DEFAULT = httpx.USE_CLIENT_DEFAULT
_httpx_log = logging.getLogger("httpx")


class FakesClient(httpx.Client):
    """The ``httpx.Client`` every :class:`Fakes` hands out: a plain client, with a short path
    for the plain call (a path under the base URL; headers, params and a body; no per-call
    auth, cookies, files, redirects, timeout or hooks) that sends straight to the transport.

    httpx's generic path (URL merging, auth and redirect flows, the cookie jar) was about 50 µs
    of every in-process call, a quarter of it (``bench/run.py`` profile). The answer is the
    same ``httpx.Response``: read and closed, ``request``, ``elapsed``, ``next_request`` for
    redirects, cookies kept when the fake sets any; anything else takes httpx's own path.
    """

    #: httpx internals the short path uses; without any of them (another httpx version) every
    #: call takes httpx's own path.
    _INTERNALS = ("_transport", "_mounts", "_event_hooks", "_default_encoding")

    def request(  # type: ignore[override]
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        auth: Any = _DEFAULT,
        follow_redirects: Any = _DEFAULT,
        timeout: Any = _DEFAULT,
        extensions: Any = None,
    ) -> httpx.Response:
        plain = (
            all(hasattr(self, name) for name in self._INTERNALS)
            and hasattr(httpx.Client, "_build_redirect_request")
            and isinstance(url, str)
            and url.startswith("/")
            and not url.startswith("//")  # httpx reads "//host/x" as another host
            and files is None
            and cookies is None
            and auth is _DEFAULT
            and follow_redirects is _DEFAULT
            and timeout is _DEFAULT
            and extensions is None
            and not self.follow_redirects
            and self.auth is None
            and not self.params
            and not self.cookies
            and not self._mounts
            and not any(self._event_hooks.values())
        )
        if not plain:
            return super().request(
                method, url, content=content, data=data, files=files, json=json,
                params=params, headers=headers, cookies=cookies, auth=auth,
                follow_redirects=follow_redirects, timeout=timeout, extensions=extensions,
            )  # fmt: skip
        merged = self.headers.copy()
        if headers:
            merged.update(headers)
        request = httpx.Request(
            method,
            str(self.base_url).rstrip("/") + url,
            content=content,
            data=data,
            json=json,
            params=params,
            headers=merged,
            extensions={"timeout": self.timeout.as_dict()},
        )
        started = time.perf_counter()
        try:
            response = self._transport.handle_request(request)
            response.request = request
            try:
                response.read()
            finally:
                response.close()
        except httpx.RequestError as error:
            error.request = request
            raise
        response.elapsed = timedelta(seconds=time.perf_counter() - started)
        response.default_encoding = self._default_encoding
        if "set-cookie" in response.headers:
            self.cookies.extract_cookies(response)
        if response.has_redirect_location:
            response.next_request = self._build_redirect_request(request, response)
        if _httpx_log.isEnabledFor(logging.INFO):  # the line httpx logs for every request
            _httpx_log.info(
                'HTTP Request: %s %s "%s %d %s"', request.method, request.url,
                response.http_version, response.status_code, response.reason_phrase,
            )  # fmt: skip
        return response


class Fakes:
    """Running fakes: their base URLs and an HTTP client for each service."""

    def __init__(
        self,
        transport: Transport,
        urls: dict[str, str],
        network: httpx.BaseTransport,
        *,
        world: World | None = None,
        servers: list[FakeServer] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.transport = transport
        self.urls = urls
        #: How to reach the fakes (and anything else): what browsers and clients are built on.
        self.network = network
        self.timeout = timeout
        self.clients = {
            name: FakesClient(transport=network, base_url=url, timeout=timeout)
            for name, url in urls.items()
        }
        self.world = world
        self._servers = servers or []

    def client(self, service: str) -> FakesClient:
        """The HTTP client of ``service`` (``canvas``, ``accredible-us``, ``accredible-eu``)."""
        try:
            return self.clients[service]
        except KeyError:
            raise KeyError(
                f"unknown service {service!r}; use one of {', '.join(self.clients)}"
            ) from None

    def close(self) -> None:
        """Close the clients and stop any servers."""
        for client in self.clients.values():
            client.close()
        self.network.close()
        for server in self._servers:
            if server.is_running():
                server.stop()
        self._servers = []
        if self.world is not None:
            self.world.close()

    def __enter__(self) -> Fakes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_fakes(
    transport: Transport = "inprocess",
    *,
    seed: int = 0,
    host: str = "127.0.0.1",
    ports: dict[str, int] | None = None,
    hosts: dict[str, str] | None = None,
    hostnames: bool = True,
    realtime_clock: bool = False,
    timeout: float = 30.0,
) -> Fakes:
    """Build a world and serve it: in-process, or each fake on its own loopback port (free
    ports unless ``ports`` names them), listening on ``host`` or each on its own address
    (``hosts``, e.g. 127.0.0.1, 127.0.0.2, 127.0.0.3). On sockets the fakes are published under
    ``*.localhost`` names (``hostnames``) or under the listening address."""
    world = build_world(seed, realtime_clock=realtime_clock)
    if transport == "inprocess":
        network = WorldTransport(
            {netloc(INPROCESS_URLS[name]): world.apps[name] for name in SERVICES}
        )
        world.publish(INPROCESS_URLS, network)
        return Fakes(transport, dict(INPROCESS_URLS), network, world=world, timeout=timeout)
    if transport != "socket":
        raise ValueError(f"unknown transport {transport!r}; use one of {', '.join(TRANSPORTS)}")
    servers: list[FakeServer] = []
    try:
        for name in SERVICES:
            address = (hosts or {}).get(name, host)
            server = FakeServer(world.apps[name], host=address, port=(ports or {}).get(name, 0))
            server.start()
            servers.append(server)
    except OSError:
        for server in servers:
            server.stop()
        raise
    urls = {
        name: f"http://{SOCKET_HOSTS[name]}:{server.port}" if hostnames else server.url
        for name, server in zip(SERVICES, servers, strict=True)
    }
    network = LoopbackTransport()
    world.publish(urls, LoopbackTransport())
    return Fakes("socket", urls, network, world=world, servers=servers, timeout=timeout)


def connect_fakes(urls: dict[str, str], *, timeout: float = 30.0) -> Fakes:
    """Clients for fakes that already run elsewhere (``casim serve`` in another process)."""
    missing = [s for s in SERVICES if s not in urls]
    if missing:
        raise ValueError(f"missing base URLs for {', '.join(missing)}")
    return Fakes("socket", dict(urls), LoopbackTransport(), timeout=timeout)
