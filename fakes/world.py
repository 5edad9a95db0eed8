"""A world: one fake Canvas and two fake Accredible regions sharing a clock, a seed and a journal
order. This is the one public way to build the fakes; ``sim`` uses it to serve them."""

from __future__ import annotations

from typing import Any

import httpx

from fakes.accredible.models import REGIONS, AccredibleBackend
from fakes.accredible.urls import build_app as build_accredible_app
from fakes.canvas.models import CanvasBackend
from fakes.canvas.urls import build_app as build_canvas_app
from fakes.core.backend import WorldState
from fakes.core.clock import SimClock
from fakes.web.app import FakeApp
from fakes.web.net import LoopbackTransport

#: Service names, in the order they are served and reported.
SERVICES = ("canvas", "accredible-us", "accredible-eu")


class World:
    """The three fakes of one world, each a WSGI app (``world.apps["accredible-eu"]``)."""

    def __init__(self, seed: int = 0, *, realtime_clock: bool = False) -> None:
        self.state = WorldState(seed, clock=SimClock(realtime=realtime_clock))
        self.canvas = CanvasBackend(self.state)
        self.accredible = {
            region: AccredibleBackend(self.state, region=region) for region in REGIONS
        }
        self.state.peers = {
            "canvas": self.canvas,
            **{f"accredible-{r}": b for r, b in self.accredible.items()},
        }
        self.apps: dict[str, FakeApp] = {
            "canvas": build_canvas_app(self.canvas, on_world_reset=self.reset)
        }
        for region, backend in self.accredible.items():
            self.apps[f"accredible-{region}"] = build_accredible_app(
                backend, on_world_reset=self.reset
            )

        self.urls: dict[str, str] = {}
        self._http: httpx.Client | None = None
        self.state.fetch = self.fetch_json

    def publish(self, urls: dict[str, str], transport: httpx.BaseTransport) -> None:
        """Record the base URL each fake is known by, and how the fakes reach URLs (the tool
        fetching the platform's keys): through ``transport``."""
        self.urls = dict(urls)
        self.state.urls = dict(urls)
        self.state.fetch = self.fetch_json
        self._http = httpx.Client(transport=transport, timeout=10.0)

    def fetch_json(self, url: str, caller: str = "fake") -> tuple[int, Any, dict[str, str]]:
        """GET ``url`` as the fake ``caller`` would (status, JSON body or None, headers)."""
        if self._http is None:
            self._http = httpx.Client(transport=LoopbackTransport(), timeout=10.0)
        answer = self._http.get(url, headers={"User-Agent": f"casim-fake ({caller})"})
        try:
            body = answer.json()
        except ValueError:
            body = None
        return answer.status_code, body, dict(answer.headers)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    @property
    def seed(self) -> int:
        return self.state.seed

    def reset(self, seed: int | None = None) -> None:
        """Every fake back to empty, the clock to its start, ids re-seeded (``seed`` if given)."""
        self.state.reset(seed)
        for app in self.apps.values():
            app.reset_local()

    def journal(self) -> list[dict[str, Any]]:
        """All fakes' journals merged in the order the requests happened."""
        entries = [e for app in self.apps.values() for e in app.journal]
        return sorted(entries, key=lambda e: e["seq"])


def build_world(seed: int = 0, *, realtime_clock: bool = False) -> World:
    """A fresh world (the apps are plain WSGI callables; see ``fakes.web.serving`` for sockets)."""
    return World(seed, realtime_clock=realtime_clock)
