"""The app shell: routes to one handler per endpoint, domain errors to wire answers, journal,
and the ``/_sim/`` control plane that every fake carries."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import Map, Rule

from fakes.core.backend import QUIRKS, Backend
from fakes.core.clock import iso
from fakes.web.faults import ConnectionDropped, FaultRules, FaultTimeout, InjectedStatus
from fakes.web.http import (
    ApiRequest,
    ApiResponse,
    BadRequestBody,
    json_response,
    wire_headers,
)

Handler = Callable[..., ApiResponse]
ControlHandler = Callable[[ApiRequest], ApiResponse]
#: Exception type -> renderer of the real service's answer for it; looked up along the MRO.
ErrorTable = dict[type[BaseException], Callable[[Any], ApiResponse]]

CONTROL_PREFIX = "/_sim/"
#: Bodies longer than this are cut in the journal (the wire answer is never cut).
JOURNAL_BODY_LIMIT = 64 * 1024
#: The journal keeps this many exchanges per fake, the oldest dropped first (a long-running
#: ``casim serve`` must not grow without bound; scenarios reset it long before).
JOURNAL_MAX_ENTRIES = 10_000
_JOURNAL_HEADERS = (
    "content-type",
    "authorization",
    "location",
    "link",
    "www-authenticate",
    "user-agent",
)


class RouteNotFound(Exception):
    """No route matches the method and path."""

    def __init__(self, method: str, path: str) -> None:
        super().__init__(f"no route for {method} {path}")
        self.method = method
        self.path = path


@dataclass(frozen=True)
class Route:
    """``rule`` (werkzeug syntax, e.g. ``/api/v1/courses/<int:course_id>``) -> ``endpoint``."""

    methods: tuple[str, ...]
    rule: str
    endpoint: str


class Handlers:
    """Several handler objects behind one name lookup (an API class and a pages class)."""

    def __init__(self, *parts: object) -> None:
        self._parts = parts

    def __getattr__(self, name: str) -> Any:
        for part in self._parts:
            found = getattr(part, name, None)
            if found is not None:
                return found
        raise AttributeError(name)


class FakeApp:
    """One fake service as a WSGI app around a backend.

    ``handlers`` is any object with one method per endpoint name; it is called as
    ``handler(request, **url_values)``. Any exception is rendered through ``errors`` (the
    service's table of real status codes and bodies), so handlers and models raise domain
    errors and never build error responses themselves. ``around(request, call)``, when given,
    wraps every routed request (Canvas's throttle and its rate-limit headers).
    """

    def __init__(
        self,
        *,
        name: str,
        backend: Backend,
        routes: Iterable[Route],
        handlers: object,
        errors: ErrorTable,
        control: dict[str, ControlHandler] | None = None,
        on_world_reset: Callable[[int | None], None] | None = None,
        around: Callable[[ApiRequest, Callable[[], ApiResponse]], ApiResponse] | None = None,
        reads: frozenset[str] = frozenset(),
    ) -> None:
        self.name = name
        self.backend = backend
        self.handlers = handlers
        self.errors = errors
        self.journal: deque[_Exchange] = deque(maxlen=JOURNAL_MAX_ENTRIES)
        #: Exchanges dropped from the front of the journal since it was last emptied.
        self.journal_dropped = 0
        self.journal_enabled = True
        self._on_world_reset = on_world_reset
        self._around = around
        #: Endpoints whose GET changes nothing: persistence does not look at the world after them.
        self.reads = reads
        self._endpoint: Any = threading.local()
        self._url_map = Map(
            [Rule(r.rule, endpoint=r.endpoint, methods=list(r.methods)) for r in routes],
            strict_slashes=False,
            merge_slashes=False,
        )
        adapter = self._url_map.bind("fake", url_scheme="http")

        def match(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
            try:
                return adapter.match(path, method=method)  # type: ignore[return-value]
            except (NotFound, MethodNotAllowed):
                return None

        #: Routing is fixed once built, so matches are cached (werkzeug's matcher was ~6% of
        #: an in-process call: bench/run.py profile).
        self._match = lru_cache(maxsize=4096)(match)
        for route in routes:
            if not callable(getattr(handlers, route.endpoint, None)):
                raise TypeError(
                    f"{name}: route {route.rule} names missing handler {route.endpoint}"
                )
        self.faults = FaultRules(backend.world.seed)
        #: World-level control operations (snapshot, restore) the world plugs in.
        self.world_controls: dict[str, ControlHandler] = {}
        #: Called after every request that may have changed state (persistence).
        self.on_change: Callable[[], None] | None = None
        #: On sockets latency and timeouts really wait; in-process they move the shared clock.
        self.real_time_faults = False
        self._control: dict[str, ControlHandler] = {
            "faults": self._control_faults,
            "reset": self._control_reset,
            "quirks": self._control_quirks,
            "clock": self._control_clock,
            "journal": self._control_journal,
            **(control or {}),
        }

    # -- WSGI ---------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """The fake as a WSGI app (the socket servers and werkzeug's test client call this).
        A fault that cuts the connection raises :class:`ConnectionDropped` or
        :class:`FaultTimeout` out of here; the server closes the socket."""
        answer = self.respond(ApiRequest.from_environ(environ))
        body = answer.body_bytes()
        reason = HTTP_STATUS_CODES.get(answer.status, "UNKNOWN")
        start_response(f"{answer.status} {reason}", wire_headers(answer, len(body)))
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def respond(self, request: ApiRequest) -> ApiResponse:
        """Answer one request: the control plane, fault rules, routing, journal, persistence."""
        method, path = request.method, request.path
        self._endpoint.name = None
        if path.startswith(CONTROL_PREFIX):
            self._endpoint.name = CONTROL_PREFIX  # a control GET (journal, snapshot) reads only
            answer = self._handle_control(request)
            self._changed(method, answer)
            return answer
        rule = self.faults.pick(method, path) if self.faults.rules else None
        if rule is not None and rule.action in ("latency", "timeout"):
            if self.real_time_faults:
                time.sleep(rule.seconds)
            else:
                self.backend.world.clock.advance(rule.seconds)
            if rule.action == "timeout":
                raise FaultTimeout(f"{self.name} did not answer {method} {path}")
        if rule is not None and rule.action == "reset":
            raise ConnectionDropped("reset", acted=False)
        with self.backend.lock:
            if rule is not None and rule.action == "status":
                answer = self.render_error(InjectedStatus(rule.status))
            else:
                answer = self._dispatch(request)
            if self.journal_enabled:
                self._record(request, answer)
        self._changed(method, answer)  # before the client hears of it: survives a crash
        if rule is not None and rule.action == "drop":
            raise ConnectionDropped("drop", acted=True)
        return answer

    def _dispatch(self, request: ApiRequest) -> ApiResponse:
        try:
            found = self._match(request.method, request.path)
            if found is None:
                raise RouteNotFound(request.method, request.path)
            endpoint, values = found
            self._endpoint.name = endpoint
            handler = getattr(self.handlers, endpoint)
            if self._around is None:
                return handler(request, **values)

            def call() -> ApiResponse:
                try:
                    return handler(request, **values)
                except Exception as exc:  # rendered inside, so ``around`` sees the answer
                    return self.render_error(exc)

            return self._around(request, call)
        except Exception as exc:  # every failure leaves as the real service's answer
            return self.render_error(exc)

    def _changed(self, method: str, answer: ApiResponse) -> None:
        """Tell persistence (``on_change``) of a success that may have changed state: anything
        but a GET of an endpoint in ``reads`` or of the control plane."""
        if self.on_change is None or answer.status >= 400:
            return
        name = getattr(self._endpoint, "name", None)
        if method in ("GET", "HEAD") and (name == CONTROL_PREFIX or name in self.reads):
            return
        self.on_change()

    def render_error(self, exc: BaseException) -> ApiResponse:
        """The service's answer for ``exc`` (the first table entry along its MRO)."""
        for klass in type(exc).__mro__:
            renderer = self.errors.get(klass)
            if renderer is not None:
                return renderer(exc)
        raise exc

    # -- journal ------------------------------------------------------------------------------
    def _record(self, request: ApiRequest, answer: ApiResponse) -> None:
        """Keep the raw exchange; it is rendered as a journal entry only when someone reads
        the journal (rendering every request cost ~8% of an in-process call: bench/run.py)."""
        world = self.backend.world
        headers = request.headers
        if len(self.journal) == self.journal.maxlen:
            self.journal_dropped += 1
        self.journal.append(
            _Exchange(
                world.next_seq(),
                world.clock.now(),
                request.method,
                request.path,
                request.query_string,
                [(k, headers[k]) for k in _JOURNAL_HEADERS if k in headers],
                request.body_as_read(),
                answer,
            )
        )

    def entries(self, since: int = 0) -> list[dict[str, Any]]:
        """The journal entries after sequence number ``since``, as ``/_sim/journal`` shows them."""
        return [e.render(self.name) for e in self.journal if e.seq > since]

    # -- control plane ------------------------------------------------------------------------
    def _handle_control(self, request: ApiRequest) -> ApiResponse:
        op = request.path[len(CONTROL_PREFIX) :].strip("/")
        handler = self._control.get(op) or self.world_controls.get(op)
        if handler is None:
            return json_response(
                {"error": f"unknown control operation {op!r}", "operations": sorted(self._control)},
                404,
            )
        try:
            return handler(request)
        except BadRequestBody as exc:
            return json_response({"error": str(exc)}, 400)
        except (ValueError, TypeError, KeyError) as exc:
            return json_response({"error": f"{op}: {exc}"}, 400)
        except (
            Exception
        ) as exc:  # a domain error (unknown key, missing group): the service's answer
            return self.render_error(exc)

    def _control_reset(self, request: ApiRequest) -> ApiResponse:
        if request.method != "POST":
            return json_response({"error": "use POST /_sim/reset"}, 405)
        body = request.json() or {}
        seed = body.get("seed")
        if seed is not None and not isinstance(seed, int):
            raise ValueError("'seed' must be an integer")
        if self._on_world_reset is not None:
            self._on_world_reset(seed)
        else:
            self.reset_local(seed)
        return json_response({"reset": True, "seed": self.backend.world.seed})

    def reset_local(self, seed: int | None = None) -> None:
        """Reset this fake alone: its backend state and its journal."""
        if seed is not None:
            self.backend.world.seed = seed
        with self.backend.lock:
            self.backend.reset()
            self.clear_journal()
            self.faults.clear()

    def clear_journal(self) -> None:
        self.journal.clear()
        self.journal_dropped = 0

    def _control_clock(self, request: ApiRequest) -> ApiResponse:
        clock = self.backend.world.clock
        if request.method == "POST":
            body = request.json() or {}
            if "advance" in body:
                amount = body["advance"]
                if not isinstance(amount, int | float) or isinstance(amount, bool):
                    raise ValueError("'advance' must be a number of seconds")
                clock.advance(float(amount))
            elif "set" in body:
                clock.set(datetime.fromisoformat(str(body["set"]).replace("Z", "+00:00")))
            else:
                raise ValueError("give 'advance' (seconds) or 'set' (ISO time)")
        return json_response(
            {"now": iso(clock.now()), "timestamp": clock.timestamp(), "realtime": clock.realtime}
        )

    def _control_faults(self, request: ApiRequest) -> ApiResponse:
        """``POST /_sim/faults {"action", "path"?, "method"?, "status"?, "seconds"?,
        "probability"?, "times"?}`` adds a rule; ``DELETE /_sim/faults[?id=N]`` removes them;
        ``GET`` lists them."""
        if request.method == "POST":
            body = request.json()
            if not isinstance(body, dict):
                raise ValueError("POST a JSON object describing the fault rule")
            rule = self.faults.add(body)
            return json_response({"rule": rule.public()})
        if request.method == "DELETE":
            raw = dict(request.query_pairs()).get("id")
            self.faults.clear(int(raw) if raw else None)
        return json_response({"rules": [r.public() for r in self.faults.rules]})

    def _control_quirks(self, request: ApiRequest) -> ApiResponse:
        """``POST /_sim/quirks {"set": [...]}`` (or ``enable``/``disable``): deliberate rule
        breaks for the whole world, so tests can prove they catch a misbehaving fake."""
        world = self.backend.world
        if request.method == "POST":
            body = request.json() or {}
            names = [*body.get("set", []), *body.get("enable", []), *body.get("disable", [])]
            unknown = sorted(set(names) - set(QUIRKS))
            if unknown:
                raise ValueError(f"unknown quirks {unknown}; known: {sorted(QUIRKS)}")
            if "set" in body:
                world.quirks = set(body["set"])
            world.quirks |= set(body.get("enable", []))
            world.quirks -= set(body.get("disable", []))
        return json_response({"quirks": sorted(world.quirks), "known": QUIRKS})

    def _control_journal(self, request: ApiRequest) -> ApiResponse:
        if request.method == "DELETE":
            self.clear_journal()
            return json_response({"entries": [], "dropped": 0})
        since = int(dict(request.query_pairs()).get("since", 0) or 0)
        return json_response({"entries": self.entries(since), "dropped": self.journal_dropped})


class _Exchange:
    """One request and its answer, as they were; rendered on demand."""

    __slots__ = ("answer", "at", "body", "headers", "method", "path", "query", "seq")

    def __init__(
        self,
        seq: int,
        at: datetime,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        answer: ApiResponse,
    ) -> None:
        self.seq, self.at, self.method, self.path, self.query = seq, at, method, path, query
        self.headers, self.body, self.answer = headers, body, answer

    def render(self, service: str) -> dict[str, Any]:
        answer = self.answer
        return {
            "seq": self.seq,
            "at": iso(self.at),
            "service": service,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "request_headers": {k: _mask(k, v) for k, v in self.headers},
            "request_body": _cut(self.body.decode("utf-8", "replace")),
            "status": answer.status,
            "response_headers": {
                k.lower(): v for k, v in [("content-type", answer.content_type), *answer.headers]
            },
            "response_body": _cut(answer.body_bytes().decode("utf-8", "replace")),
        }


def _mask(name: str, value: str) -> str:
    # Keep the scheme so a reader sees which auth was used, never the secret itself.
    if name == "authorization":
        scheme, _, secret = value.partition(" ")
        return f"{scheme} ***{secret[-4:]}" if len(secret) > 8 else f"{scheme} ***"
    return value


def _cut(text: str) -> str:
    if len(text) <= JOURNAL_BODY_LIMIT:
        return text
    return text[:JOURNAL_BODY_LIMIT] + f"... [{len(text) - JOURNAL_BODY_LIMIT} more characters]"


def dumps(value: Any) -> str:
    """Compact JSON as the fakes send it."""
    return json.dumps(value, separators=(",", ":"))
