"""The transport seam: the same clients run in-process (WSGI, fast) or over real sockets.

:func:`start_fakes` gives a :class:`Fakes` handle with one ``httpx.Client`` per service;
nothing above this module knows which transport is underneath.
"""

from __future__ import annotations

from typing import Literal

import httpx

from fakes.web.serving import FakeServer
from fakes.world import SERVICES, World, build_world

Transport = Literal["inprocess", "socket"]
TRANSPORTS: tuple[Transport, ...] = ("inprocess", "socket")

#: Base URLs of the in-process fakes (``.test`` is reserved for testing, so never real).
INPROCESS_URLS = {
    "canvas": "http://canvas.test",
    "accredible-us": "http://api.accredible.test",
    "accredible-eu": "http://eu.api.accredible.test",
}


class Fakes:
    """Running fakes: their base URLs and an HTTP client for each service."""

    def __init__(
        self,
        transport: Transport,
        urls: dict[str, str],
        clients: dict[str, httpx.Client],
        *,
        world: World | None = None,
        servers: list[FakeServer] | None = None,
    ) -> None:
        self.transport = transport
        self.urls = urls
        self.clients = clients
        self.world = world
        self._servers = servers or []

    def client(self, service: str) -> httpx.Client:
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
        for server in self._servers:
            if server.is_running():
                server.stop()
        self._servers = []

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
    realtime_clock: bool = False,
    timeout: float = 30.0,
) -> Fakes:
    """Build a world and serve it: in-process, or each fake on its own loopback port (free
    ports unless ``ports`` names them)."""
    world = build_world(seed, realtime_clock=realtime_clock)
    if transport == "inprocess":
        clients = {
            name: httpx.Client(
                transport=httpx.WSGITransport(app=world.apps[name]),
                base_url=INPROCESS_URLS[name],
                timeout=timeout,
            )
            for name in SERVICES
        }
        return Fakes(transport, dict(INPROCESS_URLS), clients, world=world)
    if transport != "socket":
        raise ValueError(f"unknown transport {transport!r}; use one of {', '.join(TRANSPORTS)}")
    servers: list[FakeServer] = []
    try:
        for name in SERVICES:
            server = FakeServer(world.apps[name], host=host, port=(ports or {}).get(name, 0))
            server.start()
            servers.append(server)
    except OSError:
        for server in servers:
            server.stop()
        raise
    urls = {name: server.url for name, server in zip(SERVICES, servers, strict=True)}
    clients = {name: httpx.Client(base_url=url, timeout=timeout) for name, url in urls.items()}
    return Fakes("socket", urls, clients, world=world, servers=servers)


def connect_fakes(urls: dict[str, str], *, timeout: float = 30.0) -> Fakes:
    """Clients for fakes that already run elsewhere (``casim serve`` in another process)."""
    missing = [s for s in SERVICES if s not in urls]
    if missing:
        raise ValueError(f"missing base URLs for {', '.join(missing)}")
    clients = {name: httpx.Client(base_url=urls[name], timeout=timeout) for name in SERVICES}
    return Fakes("socket", dict(urls), clients)
