"""A world: one fake Canvas and two fake Accredible regions sharing a clock, a seed and a journal
order. This is the one public way to build the fakes; ``sim`` uses it to serve them."""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timedelta
from typing import Any

import httpx

from fakes.accredible import lti as accredible_lti
from fakes.accredible import models as accredible_models
from fakes.accredible.models import REGIONS, AccredibleBackend
from fakes.accredible.urls import build_app as build_accredible_app
from fakes.canvas import lti as canvas_lti
from fakes.canvas import records as canvas_records
from fakes.canvas.models import CanvasBackend
from fakes.canvas.urls import build_app as build_canvas_app
from fakes.core import snapshot
from fakes.core.backend import WorldState
from fakes.core.clock import SimClock
from fakes.core.ids import IdSource
from fakes.web import json_response, text_response
from fakes.web.app import FakeApp
from fakes.web.net import LoopbackTransport

snapshot.REGISTRY.add(
    IdSource,
    *(getattr(canvas_records, n) for n in ("Account", "User", "Course", "Enrollment", "Module", "ModuleItem", "Page",
                                            "Assignment", "Submission", "Quiz", "QuizSubmission", "Discussion", "File",
                                            "DeveloperKey", "ExternalTool", "Progression")),
    canvas_lti.PendingLaunch, canvas_lti.PlatformKeys, canvas_lti.LtiPlatform,
    *(getattr(accredible_models, n) for n in ("Issuer", "Department", "Design", "Group", "EvidenceItem", "Reference",
                                               "Credential", "Email")),
    accredible_lti.Registration, accredible_lti.LoginState, accredible_lti.ToolSession, accredible_lti.LtiTool,
)  # fmt: skip

SnapshotError = snapshot.SnapshotError
parse_snapshot = snapshot.parse

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
        self._persist_lock = threading.Lock()
        self._state_file: str | None = None
        self._saved: str | None = None
        #: Notes kept with the world in snapshots (``casim serve`` keeps its ports and tokens).
        self.meta: dict[str, Any] = {}
        for name, app in self.apps.items():
            app.world_controls = {
                "snapshot": self._control_snapshot,
                "restore": self._control_restore,
                "restart": self._restart_control(name),
            }
        self.state.fetch = self.fetch_json

    def _control_snapshot(self, request: Any) -> Any:
        return text_response(self.snapshot(), 200, content_type="application/json")

    def _control_restore(self, request: Any) -> Any:
        if request.method != "POST":
            raise ValueError("POST a snapshot (what GET /_sim/snapshot answered)")
        try:
            self.restore(request.body_text())
        except snapshot.SnapshotError as error:
            return json_response({"error": f"restore: {error}"}, 400)
        self.persist()
        return json_response({"restored": True, "services": sorted(self.apps)})

    def _restart_control(self, name: str) -> Any:
        def control(request: Any) -> Any:
            if request.method != "POST":
                raise ValueError('POST {"keep_state": true|false}')
            body = request.json() or {}
            keep = body.get("keep_state", True)
            if not isinstance(keep, bool):
                raise ValueError("keep_state must be true or false")
            self.restart(name, keep_state=keep)
            return json_response({"restarted": name, "keep_state": keep})

        return control

    def restart(self, name: str, *, keep_state: bool = True) -> None:
        """One fake goes down and comes back: its faults are gone; its state either comes
        back through a snapshot round trip (as ``casim serve --state`` reloads it) or is lost
        (a server without a state file). The journal and the clock are the harness's: kept."""
        app = self.apps[name]
        app.faults.clear()
        backend = app.backend
        if not keep_state:
            with backend.lock:
                backend.reset()
            return
        saved = json.loads(json.dumps(snapshot.dump_backend(backend)))
        snapshot.install(backend, snapshot.decode_state(saved))

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

    # -- snapshots ---------------------------------------------------------------------------
    def snapshot(self) -> str:
        """The whole world's state as versioned JSON (``/_sim/snapshot``)."""
        clock = self.state.clock
        return json.dumps(
            {
                "format": snapshot.FORMAT,
                "world": {
                    "seed": self.state.seed,
                    "quirks": sorted(self.state.quirks),
                    "clock_start": clock._start.isoformat(),
                    "clock_offset": clock._offset.total_seconds(),
                    "meta": self.meta,
                },
                "services": {
                    name: snapshot.dump_backend(app.backend) for name, app in self.apps.items()
                },
            },
            separators=(",", ":"),
        )

    def restore(self, text: str) -> None:
        """Replace the world's state with a snapshot's; a bad snapshot changes nothing."""
        data = snapshot.parse(text)
        unknown = set(data["services"]) - set(self.apps)
        if unknown:
            raise snapshot.SnapshotError(f"unknown services {sorted(unknown)}")
        # everything decoded before anything changes
        decoded = {name: snapshot.decode_state(state) for name, state in data["services"].items()}
        world = data["world"]
        self.state.seed = int(world["seed"])
        self.state.quirks = set(world.get("quirks", []))
        self.meta = dict(world.get("meta") or {})
        self.state.clock.reset(datetime.fromisoformat(world["clock_start"]))
        self.state.clock._offset = timedelta(seconds=float(world["clock_offset"]))
        for name, state in decoded.items():
            snapshot.install(self.apps[name].backend, state)

    def persist_to(self, path: str) -> bool:
        """Keep the world in ``path``: load it now if it exists (answer True), then save it
        after every request the fakes answered with success that changed anything.

        Why a whole-file atomic write and not SQLite: the fakes keep plain Python records, so
        one JSON snapshot (write a temp file, fsync, rename) is the same format as
        ``/_sim/snapshot`` and needs no schema to keep in step with the models. A request that
        changed nothing (a GET, a search) costs one in-memory snapshot compared with the last
        one saved, no disk write. ``bench/persistence.py`` measures the cost.
        """
        self._state_file = path
        loaded = False
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            self.restore(text)
            self._saved = text
            loaded = True
        for app in self.apps.values():
            app.on_change = self.persist
        return loaded

    def persist(self) -> None:
        """Save the world to its state file if it changed since the last save (atomic)."""
        if self._state_file is None:
            return
        with self._persist_lock:
            text = self.snapshot()
            if text != self._saved:
                snapshot.write_atomically(self._state_file, text)
                self._saved = text

    def reset(self, seed: int | None = None) -> None:
        """Every fake back to empty, the clock to its start, ids re-seeded (``seed`` if given)."""
        self.state.reset(seed)
        for app in self.apps.values():
            app.reset_local()

    def journal(self) -> list[dict[str, Any]]:
        """All fakes' journals merged in the order the requests happened."""
        entries = [e for app in self.apps.values() for e in app.entries()]
        return sorted(entries, key=lambda e: e["seq"])


def build_world(seed: int = 0, *, realtime_clock: bool = False) -> World:
    """A fresh world (the apps are plain WSGI callables; see ``fakes.web.serving`` for sockets)."""
    return World(seed, realtime_clock=realtime_clock)
