"""The fakes read requests without werkzeug's request object (it was a third of an in-process
call). These tests hold the two ways a request reaches a fake (straight from httpx in-process,
as a WSGI environ from a socket server) equal to each other and to what werkzeug's own
``Request`` reads from the same environ, over generated requests sent over a real socket."""

from __future__ import annotations

import logging
import threading
from io import BytesIO
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from fakes.web.http import MAX_BODY_BYTES, ApiRequest, BodyTooLarge
from fakes.web.net import api_request


class _Capture:
    """A socket server that keeps the environ of the last request (its body re-readable)."""

    def __init__(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per example
        self.environ: dict[str, Any] = {}
        self.body = b""
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.body = environ["wsgi.input"].read(length) if length else b""
        self.environ = dict(environ)
        start_response("204 No Content", [])
        return []

    def environ_copy(self) -> dict[str, Any]:
        return {**self.environ, "wsgi.input": BytesIO(self.body)}


@pytest.fixture(scope="module")
def capture():
    server = _Capture()
    with httpx.Client() as client:
        yield server, client
    server.server.shutdown()


TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), max_codepoint=0x2FF)
    | st.sampled_from("&=+%[]#?/ "),
    max_size=8,
)
NAMES = st.text(st.sampled_from("abcé[]_"), min_size=1, max_size=6)
PAIRS = st.lists(st.tuples(NAMES, TEXT), max_size=4)
SEGMENTS = st.lists(
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), max_codepoint=0x2FF),
        min_size=1,
        max_size=6,
    ),
    min_size=1,
    max_size=3,
)


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["none", "form", "json", "multipart"]))
    return {
        "method": "GET" if kind == "none" else "POST",
        "segments": draw(SEGMENTS),
        "query": draw(PAIRS),
        "kind": kind,
        "form": draw(PAIRS),
        "json": draw(st.dictionaries(NAMES, TEXT | st.integers(), max_size=3)),
        "file": draw(st.binary(max_size=40)),
        "cookies": draw(
            st.dictionaries(
                st.sampled_from(["s", "lti1p3-x", "t"]), st.text("abc019-_", max_size=8), max_size=2
            )
        ),
    }


def _httpx_request(base: str, spec: dict[str, Any]) -> httpx.Request:
    path = "/" + "/".join(quote(segment, safe="") for segment in spec["segments"])
    kwargs: dict[str, Any] = {"params": spec["query"]}
    if spec["kind"] == "form":
        kwargs["data"] = dict(spec["form"])
    elif spec["kind"] == "json":
        kwargs["json"] = spec["json"]
    elif spec["kind"] == "multipart":
        kwargs["data"] = dict(spec["form"])
        kwargs["files"] = {"file": ("f.bin", spec["file"], "application/octet-stream")}
    headers = {}
    if spec["cookies"]:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in spec["cookies"].items())
    return httpx.Request(spec["method"], base + path, headers=headers, **kwargs)


def _seen(request: ApiRequest) -> dict[str, Any]:
    return {
        "method": request.method,
        "path": request.path,
        "query": request.query_pairs(),
        "form": request.form_pairs(),
        "json": request.json() if request.is_json else None,
        "file": request.file_bytes("file"),
        "cookies": {n: request.cookie(n) for n in ("s", "lti1p3-x", "t")},
        "url": request.url_without_query,
        "base": request.base_url,
    }


def _werkzeug_seen(environ: dict[str, Any]) -> dict[str, Any]:
    raw = Request(environ)
    raw.get_data()
    upload = raw.files.get("file")
    forms = raw.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
    return {
        "method": raw.method,
        "path": raw.path,
        "query": list(raw.args.items(multi=True)),
        "form": list(raw.form.items(multi=True)) if forms else [],
        "json": raw.get_json() if raw.is_json else None,
        "file": upload.read() if upload is not None else raw.get_data(),
        "cookies": {n: raw.cookies.get(n) for n in ("s", "lti1p3-x", "t")},
        "url": raw.base_url,
        "base": raw.host_url.rstrip("/"),
    }


@given(requests())
def test_in_process_and_socket_requests_read_the_same_as_werkzeug(capture, spec):
    server, client = capture
    request = _httpx_request(server.url, spec)
    assert client.send(request).status_code == 204
    direct = _seen(api_request(request))
    from_socket = _seen(ApiRequest.from_environ(server.environ_copy()))
    assert from_socket == _werkzeug_seen(server.environ_copy())
    assert direct == from_socket


def test_a_body_over_the_limit_is_left_unread_and_refused_when_used():
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/v1/credentials",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(MAX_BODY_BYTES + 1),
        "wsgi.input": BytesIO(b"{" * 10),
    }
    request = ApiRequest.from_environ(environ)
    assert environ["wsgi.input"].tell() == 0  # nothing read
    assert request.body_as_read() == b""
    for use in (request.json, request.form_pairs, request.body_bytes):
        with pytest.raises(BodyTooLarge):
            use()


def test_headers_ignore_case_and_join_repeats_like_a_wsgi_server():
    request = api_request(
        httpx.Request(
            "GET",
            "https://canvas.test/x?a=1",
            headers=[("Authorization", "Bearer t"), ("X-Many", "1"), ("x-many", "2")],
        )
    )
    assert request.headers.get("authorization") == request.headers["AUTHORIZATION"] == "Bearer t"
    assert request.headers["X-Many"] == "1,2"
    assert "Authorization" in request.headers and "Cookie" not in request.headers
    assert request.base_url == "https://canvas.test"  # the default port left out
    assert request.url_without_query == "https://canvas.test/x"


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "https://canvas.test/courses/1/modules?x=%C3%A9&y=a+b#frag", b""),
        ("POST", "https://api.accredible.test/v1/canvas/lti/launch", b"id_token=a.b.c&state=s%20t"),
        ("GET", "http://canvas.test:8080/p%20q/r", b""),
    ],
)
def test_the_browsers_in_process_exchange_hands_the_fake_what_httpx_would(method, url, body):
    """The simulated browser skips httpx's objects in-process (``WorldTransport.exchange``);
    the fake must see the same request as through :class:`AppTransport`."""
    from fakes.web.http import json_response
    from fakes.web.net import WorldTransport
    from fakes.world import build_world

    world = build_world(0)
    app = world.apps["canvas"]
    seen: list[ApiRequest] = []

    def respond(request: ApiRequest):
        seen.append(request)
        return json_response({"ok": True}, 201, [("Set-Cookie", "a=b"), ("Set-Cookie", "c=d")])

    app.respond = respond  # type: ignore[method-assign]
    host = httpx.URL(url).netloc.decode()
    network = WorldTransport({host: app})
    headers = {"User-Agent": "casim-browser (t)", "Cookie": "s=1; t=2"}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    status, answer_headers, content = network.exchange(method, url, headers, body)
    via_httpx = network.handle_request(httpx.Request(method, url, headers=headers, content=body))
    via_httpx.read()
    direct, through_httpx = (_seen(r) | {"headers": dict(r.headers)} for r in seen)
    through_httpx["headers"] = {
        k: v
        for k, v in through_httpx["headers"].items()
        if k not in ("accept", "accept-encoding", "connection")  # httpx's defaults
    }
    assert direct == through_httpx
    assert (status, content) == (via_httpx.status_code, via_httpx.content)
    assert [(k.lower(), v) for k, v in answer_headers] == via_httpx.headers.multi_items()
    assert network.exchange("GET", "https://elsewhere.test/", {}, b"") is None
    world.close()
