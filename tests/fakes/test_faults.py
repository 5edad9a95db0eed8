"""Faults on demand: each action, in the service's own words, counted, cleared, and over sockets."""

import httpx
import pytest

from sim.transport import start_fakes


def _rule(http, **rule):
    answer = http.post("/_sim/faults", json=rule)
    assert answer.status_code == 200, answer.text
    return answer.json()["rule"]


def test_a_status_fault_answers_in_each_services_words_and_fires_n_times(
    casim, accredible, canvas_world
):
    canvas, us = casim.client("canvas"), accredible["us"]
    _rule(canvas, action="status", status=500, path="^/api/v1/courses$", times=2)
    failed = canvas.get("/api/v1/courses", headers=canvas_world.auth("teacher"))
    assert failed.status_code == 500
    assert failed.json() == {
        "errors": [{"message": "An error occurred.", "error_code": "internal_server_error"}]
    }
    assert canvas.get("/api/v1/courses", headers=canvas_world.auth("teacher")).status_code == 500
    assert canvas.get("/api/v1/courses", headers=canvas_world.auth("teacher")).status_code == 200, (
        "twice, then gone"
    )
    _rule(canvas, action="status", status=403, path="/api/v1/courses")
    throttled = canvas.get("/api/v1/courses", headers=canvas_world.auth("teacher"))
    assert (throttled.status_code, throttled.text) == (403, "403 Forbidden (Rate Limit Exceeded)\n")
    _rule(us.http, action="status", status=429, method="POST", path="/v1/credentials")
    limited = us.http.post("/v1/credentials", json={"credential": {}}, headers=us.auth)
    assert (limited.status_code, limited.json(), limited.headers["Retry-After"]) == (
        429,
        {"errors": "Too many requests"},
        "30",
    )
    assert us.http.get("/v1/issuer/details", headers=us.auth).status_code == 200, (
        "other methods and paths are spared"
    )


def test_rules_are_listed_validated_and_cleared(casim):
    canvas = casim.client("canvas")
    bad = canvas.post("/_sim/faults", json={"action": "explode"})
    assert bad.status_code == 400 and "action" in bad.json()["error"]
    assert canvas.post("/_sim/faults", json={"action": "status", "status": 200}).status_code == 400
    rule = _rule(canvas, action="latency", seconds=30, path="/api/")
    assert [r["id"] for r in canvas.get("/_sim/faults").json()["rules"]] == [rule["id"]]
    assert canvas.delete("/_sim/faults").json() == {"rules": []}


def test_latency_in_process_moves_the_shared_clock(casim, canvas_world):
    canvas = casim.client("canvas")
    _rule(canvas, action="latency", seconds=90, path="/api/v1/users/self", times=1)
    canvas.get("/api/v1/users/self", headers=canvas_world.auth("teacher"))
    assert canvas.get("/_sim/clock").json()["now"] == "2026-01-05T09:01:30Z"


def test_a_probability_fires_on_a_seeded_share_of_requests(casim, canvas_world):
    canvas = casim.client("canvas")
    _rule(canvas, action="status", status=503, path="/api/v1/users/self", probability=0.5)
    statuses = [
        canvas.get("/api/v1/users/self", headers=canvas_world.auth("teacher")).status_code
        for _ in range(40)
    ]
    assert 10 < statuses.count(503) < 30


@pytest.fixture(scope="module")
def served():
    with start_fakes("socket", hostnames=False) as fakes:
        yield fakes


def test_over_sockets_reset_cuts_before_acting_and_drop_after(served):
    served.world.reset(0)
    us = served.client("accredible-us")
    us.post("/_sim/seed", json={"issuers": [{"name": "O", "api_key": "k"}]})
    key = {"Authorization": "Token token=k"}
    group = {"group": {"name": "g", "course_name": "c", "course_description": "d"}}
    _rule(us, action="reset", method="POST", path="/v1/issuer/groups", times=1)
    with (
        httpx.Client(base_url=served.urls["accredible-us"]) as raw,
        pytest.raises(httpx.TransportError),
    ):
        raw.post("/v1/issuer/groups", json=group, headers=key)
    assert us.get("/_sim/summary").json()["groups"] == 0, "reset: nothing was done"
    _rule(us, action="drop", method="POST", path="/v1/issuer/groups", times=1)
    with (
        httpx.Client(base_url=served.urls["accredible-us"]) as raw,
        pytest.raises(httpx.TransportError),
    ):
        raw.post("/v1/issuer/groups", json=group, headers=key)
    assert us.get("/_sim/summary").json()["groups"] == 1, (
        "drop: the group exists though the client saw a failure"
    )


def test_over_sockets_a_timeout_really_waits_for_the_client(served):
    served.world.reset(0)
    canvas = served.client("canvas")
    _rule(canvas, action="timeout", seconds=0.3, path="/api/v1/accounts", times=1)
    with (
        httpx.Client(base_url=served.urls["canvas"], timeout=0.1) as raw,
        pytest.raises(httpx.TimeoutException),
    ):
        raw.get("/api/v1/accounts")
