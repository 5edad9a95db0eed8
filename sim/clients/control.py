"""The ``/_sim/`` control plane of one fake: reset, seed, clock, journal, outbox, dashboard."""

from __future__ import annotations

from typing import Any

import httpx

from sim.clients.base import send


class ControlClient:
    """Control-plane calls on one fake."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def reset(self, seed: int | None = None) -> dict[str, Any]:
        """Reset the whole world this fake belongs to."""
        return send(self.http, "POST", "/_sim/reset", json={"seed": seed}).json()

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        return send(self.http, "POST", "/_sim/seed", json=data).json()

    def clock(self) -> dict[str, Any]:
        return send(self.http, "GET", "/_sim/clock").json()

    def advance(self, seconds: float) -> dict[str, Any]:
        return send(self.http, "POST", "/_sim/clock", json={"advance": seconds}).json()

    def journal(self, since: int = 0) -> list[dict[str, Any]]:
        return send(self.http, "GET", "/_sim/journal", params={"since": since}).json()["entries"]

    def outbox(self) -> list[dict[str, Any]]:
        return send(self.http, "GET", "/_sim/outbox").json()["emails"]

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """A fault rule on this fake (see ``fakes.web.faults``)."""
        return send(self.http, "POST", "/_sim/faults", json=rule).json()["rule"]

    def restart(self, *, keep_state: bool = True) -> dict[str, Any]:
        """This fake restarts (``/_sim/restart``), keeping its state or losing it."""
        return send(self.http, "POST", "/_sim/restart", json={"keep_state": keep_state}).json()

    def clear_faults(self) -> None:
        send(self.http, "DELETE", "/_sim/faults")

    def summary(self) -> dict[str, Any]:
        """How many records the fake holds (``/_sim/summary``)."""
        return send(self.http, "GET", "/_sim/summary").json()

    def dashboard(self, **action: Any) -> dict[str, Any]:
        return send(self.http, "POST", "/_sim/dashboard", json=action).json()
