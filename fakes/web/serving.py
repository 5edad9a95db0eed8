"""Serving a fake on a loopback socket (for tests, scenarios over sockets and ``casim serve``).

The server shell is our own small HTTP/1.1 server on the standard library's threading TCP
server, with pytest-httpserver's lifecycle (start, stop, ``url_for``). It replaced werkzeug's
development server, whose per-request work (``email``-based header parsing, a WSGI environ,
werkzeug request and response objects) cost more than the fakes' own handling and held the GIL
under concurrent load: ``bench/run.py`` measure 4 went from 0.8x to above 1x the bare
pytest-httpserver baseline. What it speaks, following RFC 9112 as werkzeug's server does:

- HTTP/1.1 keep-alive (and HTTP/1.0, closed after each answer unless it asks to keep alive);
  ``Connection: close`` honoured both ways; ``Expect: 100-continue`` answered;
- request bodies by ``Content-Length`` or ``Transfer-Encoding: chunked``; a body over the
  fakes' limit is not read (the fake answers 413) and the connection is closed after;
- a connection silent for :attr:`FakeServer.idle_timeout` seconds is closed;
- malformed requests (request line, header lines, too many or too long headers, bad
  ``Content-Length`` or chunk sizes) get ``400``/``414``/``431``/``505`` and a closed connection;
- header names with ``_`` are dropped and repeated headers joined with ``,`` (werkzeug's
  rules, so a header means the same in-process and over sockets);
- a fault rule that cuts the connection (``reset``, ``drop``, ``timeout``) closes the socket
  without an answer.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
import time
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote, urlsplit

from pytest_httpserver.httpserver import HTTPServerBase
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request, Response

from fakes.web.app import FakeApp
from fakes.web.faults import ConnectionDropped, FaultTimeout
from fakes.web.http import MAX_BODY_BYTES, ApiRequest, RequestHeaders, wire_headers

#: Limits of a request head, as Python's ``http.server`` and werkzeug's server have them.
MAX_LINE = 65536
MAX_HEADERS = 100

log = logging.getLogger(__name__)


class _BadRequest(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive connections must not hold up stopping
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: FakeApp, idle_timeout: float) -> None:
        self.app = app
        self.idle_timeout = idle_timeout
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        if ":" in address[0]:  # an IPv6 address such as ::1
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def close_connections(self) -> None:
        """Close every open connection (clients see the fake go away, as a real restart)."""
        with self.connections_lock:
            open_now = list(self.connections)
        for sock in open_now:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


class _Handler(socketserver.StreamRequestHandler):
    """One connection: requests answered one after another until either side closes."""

    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.idle_timeout)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def handle(self) -> None:
        try:
            while self._one():
                pass
        except (ConnectionError, TimeoutError, OSError):
            pass  # the client went away

    def _one(self) -> bool:
        """Read and answer one request; whether the connection stays open."""
        line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            return False
        if line in (b"\r\n", b"\n"):  # RFC 9112 2.2: ignore an empty line before a request
            return True
        try:
            request, keep_alive, http10 = self._read_request(line)
        except _BadRequest as bad:
            self._send_plain(bad.status, str(bad))
            return False
        try:
            answer = self.server.app.respond(request)
        except (ConnectionDropped, FaultTimeout):
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return False
        except Exception:  # a bug in a fake: a 500 like any server's, and the trace in the log
            log.exception("%s failed on %s %s", self.server.app.name, request.method, request.path)
            self._send_plain(500, "Internal Server Error")
            return False
        body = answer.body_bytes()
        head = [
            f"HTTP/1.1 {answer.status} {HTTP_STATUS_CODES.get(answer.status, 'UNKNOWN')}",
            *(f"{name}: {value}" for name, value in wire_headers(answer, len(body))),
            f"Date: {_http_date()}",
        ]
        if not keep_alive:
            head.append("Connection: close")
        elif http10:  # an HTTP/1.0 client keeps the connection only when told so
            head.append("Connection: keep-alive")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "replace")
        self.wfile.write(data if request.method == "HEAD" else data + body)
        return keep_alive

    def _read_request(self, line: bytes) -> tuple[ApiRequest, bool, bool]:
        """The request, whether the connection stays open after it, whether it is HTTP/1.0."""
        if len(line) > MAX_LINE:
            raise _BadRequest(414, "Request-URI Too Long")
        parts = line.decode("latin-1").rstrip("\r\n").split(" ")
        if len(parts) != 3 or not parts[0].isalpha() or not parts[1]:
            raise _BadRequest(400, "Bad request line")
        method, target, version = parts
        if version not in ("HTTP/1.1", "HTTP/1.0"):
            raise _BadRequest(505, "HTTP Version Not Supported")
        pairs: list[tuple[str, str]] = []
        while True:
            raw = self.rfile.readline(MAX_LINE + 1)
            if len(raw) > MAX_LINE:
                raise _BadRequest(431, "Request Header Fields Too Large")
            if raw in (b"\r\n", b"\n", b""):
                break
            if len(pairs) >= MAX_HEADERS:
                raise _BadRequest(431, "Too many headers")
            name, colon, value = raw.decode("latin-1").partition(":")
            if not colon or not name or name != name.strip() or " " in name:
                raise _BadRequest(400, "Bad header line")
            pairs.append((name, value.strip()))
        headers = RequestHeaders.from_pairs(pairs)
        connection = headers.get("connection", "").lower()
        keep_alive = (
            "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
        )
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body, length, complete = self._read_body(headers)
        keep_alive = keep_alive and complete
        if not target.startswith("/"):
            split = urlsplit(target)  # absolute form: the host comes from the target
            if split.scheme and split.netloc:
                dict.__setitem__(headers, "host", split.netloc)
            target = (split.path or "/") + (f"?{split.query}" if split.query else "")
        path, _, query = target.partition("?")
        request = ApiRequest(
            method,
            unquote(path, errors="replace"),
            query_string=query,
            headers=headers,
            body=body,
            scheme="http",
            remote_addr=self.client_address[0],
            server=self.server.server_address[:2],
            content_length=length,
        )
        return request, keep_alive, version == "HTTP/1.0"

    def _read_body(self, headers: RequestHeaders) -> tuple[bytes | None, int | None, bool]:
        """(body or ``None`` when over the limit, its length, whether it was read whole)."""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return self._read_chunked()
        raw = headers.get("content-length")
        if raw is None:
            return b"", None, True
        if not raw.strip().isdigit():
            raise _BadRequest(400, "Bad Content-Length")
        length = int(raw)
        if length > MAX_BODY_BYTES:
            return None, length, False
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise ConnectionError("the client closed before sending the whole body")
        return body, length, True

    def _read_chunked(self) -> tuple[bytes | None, int | None, bool]:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(MAX_LINE + 1)
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest(400, "Bad chunk size") from None
            if size < 0:
                raise _BadRequest(400, "Bad chunk size")
            if size == 0:
                while self.rfile.readline(MAX_LINE + 1) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks), total, True
            total += size
            if total > MAX_BODY_BYTES:
                return None, total, False
            chunks.append(self.rfile.read(size))
            self.rfile.readline(MAX_LINE + 1)  # the CRLF after the chunk

    def _send_plain(self, status: int, text: str) -> None:
        body = f"{status} {text}\n".encode()
        head = (
            f"HTTP/1.1 {status} {HTTP_STATUS_CODES.get(status, 'UNKNOWN')}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
            f"Date: {_http_date()}\r\nConnection: close\r\n\r\n"
        )
        try:
            self.wfile.write(head.encode() + body)
        except OSError:
            pass


class FakeServer(HTTPServerBase):
    """A :class:`FakeApp` on ``host:port`` (port 0 picks a free one), a thread per connection
    so a fake can be called back while it answers (the tool fetching the platform's keys
    mid-launch). pytest-httpserver's lifecycle; every request goes straight to the fake."""

    #: Seconds a connection may sit silent (between or inside requests) before it is closed,
    #: so idle keep-alive connections do not hold a thread each for ever (nginx's default).
    idle_timeout = 75.0

    def __init__(self, app: FakeApp, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port, threaded=True)
        self.app = app

    def dispatch(self, request: Request) -> Response:
        """Unused: requests go straight to the fake (kept for the base class)."""
        raise NotImplementedError

    def start(self) -> None:
        if self.is_running():
            raise RuntimeError(f"{self.app.name} is already serving on port {self.port}")
        self.server = _Server(  # type: ignore[assignment]
            (self.host, self.port), self.app, self.idle_timeout
        )
        self.port = self.server.server_address[1]  # type: ignore[union-attr]
        self.app.real_time_faults = True
        self.server_thread = threading.Thread(
            target=self.thread_target, name=f"fake-{self.app.name}", daemon=True
        )
        self.server_thread.start()

    def thread_target(self) -> None:
        """Serve until stopped, checking for a stop every 20 ms (the default 0.5 s made every
        closed set of fakes cost up to 1.5 s: ``bench/run.py`` start-up measure)."""
        assert self.server is not None
        self.server.serve_forever(poll_interval=0.02)

    def stop(self) -> None:
        """Stop listening, close open connections and wait for the serving thread."""
        server: Any = self.server
        super().stop()
        server.server_close()
        server.close_connections()

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:53211``."""
        return f"http://{self.format_host(self.host)}:{self.port}"
