"""``Fakes.client()`` is an ``httpx.Client`` whose plain calls skip httpx's generic path: it
must answer exactly what a plain ``httpx.Client`` on the same transport answers."""

from __future__ import annotations

import re

import httpx
import pytest

from sim.transport import FakesClient, start_fakes

TOKEN = {"Authorization": "Bearer teacher-token"}
_NETLOC = re.compile(r"(127\.0\.0\.1|canvas\.localhost):\d+")


def _calls(client: httpx.Client) -> list[httpx.Response]:
    """The same conversation with Canvas: seed, JSON and form writes, params, errors, a
    redirect that sets a cookie, and the calls after it (with the cookie)."""
    seeded = client.post(
        "/_sim/seed",
        json={"users": [{"name": "T", "login_id": "t", "admin": True, "token": "teacher-token"}]},
    )
    course = client.post(
        "/api/v1/accounts/1/courses", data={"course[name]": "Física"}, headers=TOKEN
    )
    cid = course.json()["id"]
    return [
        seeded,
        course,
        client.post(
            f"/api/v1/courses/{cid}/modules",
            content=b"module[name]=Week+1",
            headers={**TOKEN, "Content-Type": "application/x-www-form-urlencoded"},
        ),
        client.get(f"/api/v1/courses/{cid}/modules", params={"per_page": 1}, headers=TOKEN),
        client.get("/api/v1/courses/999", headers=TOKEN),
        client.get("/api/v1/courses", headers={"Authorization": "Bearer wrong"}),
        session := client.get("/login/session_token", headers=TOKEN),
        client.get(httpx.URL(session.json()["session_url"]).raw_path.decode()),
        client.get("/courses"),
    ]


def _seen(response: httpx.Response) -> tuple:
    headers = [(k, v) for k, v in response.headers.multi_items() if k != "date"]
    return (
        response.status_code,
        headers,
        response.content,
        str(response.request.url),
        list(response.request.headers.multi_items()),
        str(response.next_request.url) if response.next_request else None,
    )


@pytest.mark.parametrize("transport", ["inprocess", "socket"])
def test_fakes_client_answers_what_a_plain_httpx_client_answers(transport):
    with start_fakes(transport, seed=3) as ours, start_fakes(transport, seed=3) as theirs:
        fast = ours.client("canvas")
        assert isinstance(fast, FakesClient)
        with httpx.Client(transport=theirs.network, base_url=theirs.urls["canvas"]) as plain:
            # on sockets the two worlds listen on different ports: compare without them
            fast_seen = [_NETLOC.sub("HOST", repr(_seen(r))) for r in _calls(fast)]
            plain_seen = [_NETLOC.sub("HOST", repr(_seen(r))) for r in _calls(plain)]
            assert fast_seen == plain_seen
            assert any("302" in s for s in fast_seen)  # the redirect was in the conversation
            assert dict(fast.cookies) == dict(plain.cookies) and fast.cookies
        response = fast.get("/_sim/clock")
        assert response.elapsed.total_seconds() >= 0


def test_calls_the_short_path_cannot_take_still_work():
    with start_fakes("inprocess") as fakes:
        canvas = fakes.client("canvas")
        canvas.post("/_sim/seed", json={"users": [{"name": "T", "login_id": "t", "token": "k"}]})
        session = canvas.get(
            "/login/session_token",
            params={"return_to": "/_sim/clock"},
            headers={"Authorization": "Bearer k"},
        )
        url = session.json()["session_url"]  # absolute: httpx's own path
        followed = canvas.get(url, follow_redirects=True)  # and httpx's own redirect flow
        assert [r.status_code for r in followed.history] == [302]
        assert followed.status_code == 200 and "now" in followed.json()


def test_a_failed_connection_names_its_request():
    with start_fakes("socket") as fakes:
        client = fakes.client("canvas")
        port = int(fakes.urls["canvas"].rsplit(":", 1)[1])
    with pytest.raises(httpx.ConnectError) as failed:
        client.get("/_sim/clock")
    assert failed.value.request.url.port == port


def test_without_the_httpx_internals_it_relies_on_every_call_takes_httpx_own_path(monkeypatch):
    with start_fakes("inprocess", seed=3) as ours, start_fakes("inprocess", seed=3) as theirs:
        sent: list[str] = []
        original = httpx.Client.send

        def counting(self, request, **kwargs):
            sent.append(request.url.path)
            return original(self, request, **kwargs)

        monkeypatch.setattr(httpx.Client, "send", counting)
        short = [_seen(r) for r in _calls(ours.client("canvas"))]
        # the short path never reaches Client.send; with a cookie in the jar httpx's path does
        assert sent == ["/courses"]
        sent.clear()
        monkeypatch.setattr(FakesClient, "_INTERNALS", ("_a_name_httpx_does_not_have",))
        fallback = [_seen(r) for r in _calls(theirs.client("canvas"))]
        assert len(sent) == len(fallback)  # every call went through httpx's own path
        assert fallback == short


def test_the_short_path_logs_the_line_httpx_logs(caplog):
    with start_fakes("inprocess") as fakes, caplog.at_level("INFO", logger="httpx"):
        fakes.client("canvas").get("/_sim/clock")
    assert 'HTTP Request: GET https://canvas.test/_sim/clock "HTTP/1.1 200 OK"' in caplog.text
