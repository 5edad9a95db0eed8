"""The socket server shell, spoken to byte by byte: keep-alive, pipelining, chunked bodies,
``Expect: 100-continue``, HTTP/1.0, and a clear status and a closed connection for a malformed
request. Every answer here comes from a real fake (Accredible US) on a free loopback port."""

from __future__ import annotations

import json
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakes.web.http import MAX_BODY_BYTES
from fakes.web.serving import FakeServer
from fakes.world import build_world


@pytest.fixture(scope="module")
def served():
    world = build_world(0)
    server = FakeServer(world.apps["accredible-us"])
    server.start()
    yield server
    server.stop()
    world.close()


def _connect(server: FakeServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    return sock


def _read_answer(sock: socket.socket, buffer: bytearray) -> tuple[int, dict[str, str], bytes]:
    """One answer off the connection (``buffer`` keeps bytes read past it)."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a full head: {bytes(buffer)!r}")
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    buffer[:] = rest[length:]
    return status, headers, rest[:length]


def _closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def _exchange(
    server: FakeServer, raw: bytes, *, expect_close: bool = True
) -> tuple[int, dict[str, str], bytes, bool]:
    """Send ``raw`` on a new connection; the answer and (if asked) whether it was closed."""
    with _connect(server) as sock:
        sock.sendall(raw)
        status, headers, body = _read_answer(sock, bytearray())
        return status, headers, body, _closed(sock) if expect_close else False


def test_keep_alive_answers_pipelined_requests_in_order_on_one_connection(served):
    request = b"GET /v1/designs HTTP/1.1\r\nHost: x\r\nAuthorization: Token token=nope\r\n\r\n"
    clock = b"GET /_sim/clock HTTP/1.1\r\nHost: x\r\n\r\n"
    with _connect(served) as sock:
        sock.sendall(request + clock + request)  # three at once, before any answer
        buffer = bytearray()
        answers = [_read_answer(sock, buffer) for _ in range(3)]
        assert [a[0] for a in answers] == [401, 200, 401]
        assert answers[0][2] == b'{"success":false,"data":"issuer_token not valid"}'
        assert "now" in json.loads(answers[1][2])
        assert answers[0][1]["date"].endswith("GMT")
        sock.sendall(clock)  # still open afterwards
        assert _read_answer(sock, buffer)[0] == 200


def test_connection_close_and_http_1_0_close_after_the_answer(served):
    status, headers, _, closed = _exchange(
        served, b"GET /_sim/clock HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert (status, headers["connection"], closed) == (200, "close", True)
    status, _, _, closed = _exchange(served, b"GET /_sim/clock HTTP/1.0\r\n\r\n")
    assert (status, closed) == (200, True)
    with _connect(served) as sock:  # an HTTP/1.0 client that asks to keep the connection
        buffer = bytearray()
        for _ in range(2):
            sock.sendall(b"GET /_sim/clock HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            status, headers, _ = _read_answer(sock, buffer)
            assert (status, headers["connection"]) == (200, "keep-alive")


def test_chunked_body_and_expect_100_continue_reach_the_fake(served):
    body = json.dumps({"advance": 60}).encode()
    chunked = b"".join(
        f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:5], body[5:])
    )
    chunked += b"0\r\n\r\n"
    with _connect(served) as sock:
        sock.sendall(
            b"POST /_sim/clock HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
        )
        assert sock.recv(64).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(chunked)
        status, _, answer = _read_answer(sock, bytearray())
    assert status == 200 and json.loads(answer)["now"] == "2026-01-05T09:01:00Z"


def test_head_answers_the_headers_without_the_body(served):
    with _connect(served) as sock:
        sock.sendall(b"HEAD /_sim/clock HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.sendall(b"GET /_sim/clock HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while data.count(b"HTTP/1.1 200") < 2 or not data.endswith(b"}"):
            data += sock.recv(65536)
    first, _, second = data.partition(b"\r\n\r\n")
    assert b"Content-Length: " in first and second.startswith(b"HTTP/1.1 200 OK")


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /_sim/clock HTTP/2.0\r\n\r\n", 505),
        (b"GET /_sim/clock HTTP/1.1\r\nno colon here\r\n\r\n", 400),
        (b"GET /_sim/clock HTTP/1.1\r\nBad Name: x\r\n\r\n", 400),
        (b"POST /_sim/clock HTTP/1.1\r\nContent-Length: lots\r\n\r\n", 400),
        (b"POST /_sim/clock HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 101 + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\nX-Long: " + b"b" * 70000 + b"\r\n\r\n", 431),
    ],
)
def test_a_malformed_request_gets_a_clear_status_and_a_closed_connection(served, raw, status):
    answer, headers, body, closed = _exchange(served, raw)
    assert (answer, headers["connection"], closed) == (status, "close", True)
    assert body.decode().startswith(str(status))


def _post_json(path: str, value: object) -> bytes:
    body = json.dumps(value).encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def test_a_body_over_the_limit_is_refused_with_413_and_not_read(served):
    seeded = _post_json("/_sim/seed", {"issuers": [{"name": "I", "api_key": "big-k"}]})
    assert _exchange(served, seeded)[0] == 200
    head = (
        b"POST /v1/credentials HTTP/1.1\r\nHost: x\r\nAuthorization: Token token=big-k\r\n"
        b"Content-Type: application/json\r\nContent-Length: "
        + str(MAX_BODY_BYTES + 1).encode()
        + b"\r\n\r\n"
    )
    status, headers, body, closed = _exchange(served, head + b"{")  # the rest never comes
    assert (status, headers["connection"], closed) == (413, "close", True)
    assert "too large" in body.decode()


def test_a_dropped_connection_fault_closes_the_socket_without_an_answer(served):
    rule = {"action": "reset", "path": "^/v1/designs$", "times": 1}
    assert _exchange(served, _post_json("/_sim/faults", rule))[0] == 200
    with _connect(served) as sock:
        sock.sendall(b"GET /v1/designs HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _closed(sock)
    again = b"GET /v1/designs HTTP/1.1\r\nHost: x\r\n\r\n"
    status, *_ = _exchange(served, again, expect_close=False)
    assert status == 401  # the rule fired once


def test_a_silent_connection_is_closed_after_the_idle_timeout():
    world = build_world(0)
    server = FakeServer(world.apps["canvas"])
    server.idle_timeout = 0.2
    server.start()
    try:
        with _connect(server) as sock:
            sock.sendall(b"GET /_sim/clock HTTP/1.1\r\nHost: x\r\n\r\n")
            assert _read_answer(sock, bytearray())[0] == 200
            assert _closed(sock)  # within the socket's 5 s timeout: the server hung up first
    finally:
        server.stop()
        world.close()


_HEAD_PARTS = st.sampled_from(
    [
        b"GET /v1/designs HTTP/1.1\r\n",
        b"POST /_sim/clock HTTP/1.1\r\n",
        b"GET  HTTP/1.1\r\n",
        b"get /x HTTP/1.1\r\n",
        b"GET /x HTTP/9\r\n",
        b"Host: x\r\n",
        b"Content-Length: 3\r\n",
        b"Content-Length: -1\r\n",
        b"Content-Length: 99999999999999999999\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Expect: 100-continue\r\n",
        b"Connection: close\r\n",
        b"X_Under: y\r\n",
        b": no name\r\n",
        b"\xff\xfe: \x00\r\n",
        b"\r\n",
        b"abc",
        b"3\r\nabc\r\n0\r\n\r\n",
        b"\n",
    ]
)


@given(st.lists(_HEAD_PARTS | st.binary(max_size=12), max_size=12).map(b"".join))
def test_any_bytes_get_an_http_answer_or_a_closed_connection_and_never_a_500(served, raw):
    with _connect(served) as sock:
        sock.settimeout(0.5)  # a request still waiting for the rest of its body stays silent
        try:
            sock.sendall(raw)
            sock.shutdown(socket.SHUT_WR)  # nothing more is coming
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        except (TimeoutError, ConnectionResetError):
            data = b""
    for answer in data.split(b"HTTP/1.1 ")[1:]:
        assert answer[:3].isdigit() and int(answer[:3]) != 500, data[:200]
    # and the server still answers
    assert (
        _exchange(served, b"GET /_sim/clock HTTP/1.1\r\nHost: x\r\n\r\n", expect_close=False)[0]
        == 200
    )


def test_a_fake_serves_on_an_ipv6_loopback_address():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    world = build_world(0)
    server = FakeServer(world.apps["canvas"], host="::1")
    try:
        server.start()
    except OSError as error:  # IPv6 compiled in but switched off (some containers)
        pytest.skip(f"cannot listen on ::1 here: {error}")
    try:
        with socket.create_connection(("::1", server.port), timeout=5) as sock:
            sock.sendall(b"GET /_sim/clock HTTP/1.1\r\nHost: [::1]\r\n\r\n")
            assert _read_answer(sock, bytearray())[0] == 200
        assert server.url == f"http://[::1]:{server.port}"
    finally:
        server.stop()
        world.close()


def test_a_header_value_with_cr_or_lf_never_splits_into_two_headers_on_any_path():
    import httpx
    from werkzeug.test import Client

    from fakes.web.http import json_response
    from fakes.web.net import WorldTransport

    world = build_world(0)
    app = world.apps["canvas"]
    app.respond = lambda request: json_response(  # type: ignore[method-assign]
        {}, 302, [("Location", "/x\r\nX-Injected: 1")]
    )
    network = WorldTransport({"canvas.test": app})
    seen = [
        dict(Client(app).get("/").headers),  # WSGI
        dict(network.handle_request(httpx.Request("GET", "https://canvas.test/")).headers),
        dict(network.exchange("GET", "https://canvas.test/", {}, b"")[1]),  # the browser's path
    ]
    server = FakeServer(app)
    server.start()
    try:
        with _connect(server) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            seen.append(_read_answer(sock, bytearray())[1])
    finally:
        server.stop()
        world.close()
    for headers in seen:
        lowered = {k.lower(): v for k, v in headers.items()}
        assert lowered["location"] == "/x  X-Injected: 1" and "x-injected" not in lowered
