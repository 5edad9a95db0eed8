"""Serving a fake: in-process (the app is WSGI), or on a loopback socket through
pytest-httpserver's threaded werkzeug server (for tests and for ``casim serve``)."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from pytest_httpserver.httpserver import HTTPServerBase
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from fakes.web.app import FakeApp
from fakes.web.faults import ConnectionDropped, FaultTimeout


class _KeepAliveHandler(WSGIRequestHandler):
    # HTTP/1.1 keeps connections open between requests, as real services do; HTTP/1.0
    # (werkzeug's default) would cost a TCP handshake per request.
    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet: the fake's journal records every request."""


class FakeServer(HTTPServerBase):
    """A :class:`FakeApp` on ``host:port`` (port 0 picks a free one), threaded so a fake can
    be called back while it answers (the tool fetching the platform's keys mid-launch).

    It reuses pytest-httpserver's server lifecycle but dispatches every request straight to
    the fake: no expectation matching and no request log that would grow without bound.
    """

    def __init__(self, app: FakeApp, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port, threaded=True)
        self.app = app

    def thread_target(self) -> None:
        """Serve until stopped, checking for a stop every 20 ms (the default 0.5 s made every
        closed set of fakes cost up to 1.5 s: ``bench/run.py`` start-up measure)."""
        assert self.server is not None
        self.server.serve_forever(poll_interval=0.02)

    def dispatch(self, request: Request) -> Response:
        """Unused: requests go straight to :meth:`wsgi` (kept for the base class)."""
        raise NotImplementedError

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """The fake's WSGI app, closing the socket when a fault rule cuts the connection."""
        try:
            return self.app(environ, start_response)
        except (ConnectionDropped, FaultTimeout):
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            raise

    def start(self) -> None:
        if self.is_running():
            raise RuntimeError(f"{self.app.name} is already serving on port {self.port}")
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = make_server(
            self.host,
            self.port,
            self.wsgi,
            threaded=True,
            request_handler=_KeepAliveHandler,
        )
        self.port = self.server.port
        self.app.real_time_faults = True
        self.server_thread = threading.Thread(
            target=self.thread_target, name=f"fake-{self.app.name}", daemon=True
        )
        self.server_thread.start()

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:53211``."""
        return f"http://{self.format_host(self.host)}:{self.port}"
