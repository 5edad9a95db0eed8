"""The app shell: Rails parameters, the control plane, the journal, serving on sockets."""

import httpx

from fakes.web.params import parse_rails_params, to_bool
from fakes.world import build_world
from sim.transport import start_fakes


def test_rails_parameters_nest_like_canvas_reads_them():
    pairs = [
        ("module[name]", "Week 1"),
        ("module[prerequisite_module_ids][]", "1"),
        ("module[prerequisite_module_ids][]", "2"),
        ("include[]", "items"),
        ("module_item[completion_requirement][type]", "min_score"),
    ]
    assert parse_rails_params(pairs) == {
        "module": {"name": "Week 1", "prerequisite_module_ids": ["1", "2"]},
        "include": ["items"],
        "module_item": {"completion_requirement": {"type": "min_score"}},
    }


def test_canvas_booleans_accept_every_spelling():
    assert [to_bool(v) for v in ("true", "t", "yes", "y", "on", "1", True)] == [True] * 7
    assert [to_bool(v) for v in ("false", "f", "no", "n", "off", "0", False)] == [False] * 7
    assert to_bool("maybe") is None


def test_control_plane_reads_and_advances_the_shared_clock(casim):
    canvas, eu = casim.client("canvas"), casim.client("accredible-eu")
    assert canvas.get("/_sim/clock").json()["now"] == "2026-01-05T09:00:00Z"
    assert (
        canvas.post("/_sim/clock", json={"advance": 86400}).json()["now"] == "2026-01-06T09:00:00Z"
    )
    assert eu.get("/_sim/clock").json()["now"] == "2026-01-06T09:00:00Z"
    bad = canvas.post("/_sim/clock", json={"advance": -5})
    assert bad.status_code == 400 and "only moves forward" in bad.json()["error"]


def test_reset_on_any_fake_empties_the_whole_world(casim, accredible):
    us = accredible["us"]
    assert us.http.get("/v1/designs", headers=us.auth).status_code == 200
    casim.client("canvas").post("/_sim/reset", json={"seed": 5}).raise_for_status()
    assert us.http.get("/v1/designs", headers=us.auth).status_code == 401
    assert us.http.get("/_sim/journal").json()["entries"][-1]["status"] == 401


def test_unknown_control_operations_list_the_known_ones(casim):
    answer = casim.client("canvas").get("/_sim/nope")
    assert answer.status_code == 404
    assert {"reset", "clock", "journal", "seed"} <= set(answer.json()["operations"])


def test_the_journal_keeps_every_request_in_order_without_secrets(casim, accredible):
    us = accredible["us"]
    us.http.get("/v1/designs", headers=us.auth)
    casim.client("canvas").get(
        "/api/v1/courses", headers={"Authorization": "Bearer secret-token-1234"}
    )
    world_journal = casim.world.journal()
    assert [e["service"] for e in world_journal[-2:]] == ["accredible-us", "canvas"]
    last = world_journal[-1]
    assert last["status"] == 401 and last["path"] == "/api/v1/courses"
    assert "secret-token" not in last["request_headers"]["authorization"]
    assert world_journal[-2]["seq"] < last["seq"]


def test_the_journal_is_bounded_and_says_how_many_it_dropped(monkeypatch):
    import fakes.web.app as app_module

    monkeypatch.setattr(app_module, "JOURNAL_MAX_ENTRIES", 5)
    with start_fakes("inprocess") as fakes:  # built after the patch: journals of 5
        canvas = fakes.client("canvas")
        for n in range(8):
            canvas.get(f"/api/v1/courses/{n}")
        answer = canvas.get("/_sim/journal").json()
        assert [e["path"] for e in answer["entries"]] == [
            f"/api/v1/courses/{n}" for n in range(3, 8)
        ]
        assert answer["dropped"] == 3
        assert canvas.delete("/_sim/journal").json() == {"entries": [], "dropped": 0}
        canvas.get("/api/v1/courses/9")
        assert canvas.get("/_sim/journal").json()["dropped"] == 0


def test_each_fake_serves_on_its_own_free_loopback_port():
    with start_fakes("socket", hostnames=False) as fakes:
        ports = {url.rsplit(":", 1)[1] for url in fakes.urls.values()}
        assert len(ports) == 3
        for url in fakes.urls.values():
            assert url.startswith("http://127.0.0.1:")
        with httpx.Client() as raw:
            answer = raw.get(fakes.urls["canvas"] + "/api/v1/users/self")
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == 'Bearer realm="canvas-lms"'


def test_on_sockets_the_fakes_are_different_sites_under_localhost_names():
    with start_fakes("socket") as fakes:
        hosts = [url.split("//")[1].split(":")[0] for url in fakes.urls.values()]
        assert hosts == [
            "canvas.localhost",
            "api.accredible.localhost",
            "eu.api.accredible.localhost",
        ]
        answer = fakes.client("canvas").get("/api/v1/users/self")
        assert answer.status_code == 401, "the fakes' network resolves *.localhost to loopback"
        modules = fakes.client("canvas").get(
            "/api/v1/courses/1/modules", headers={"Authorization": "Bearer x"}
        )
        assert modules.status_code == 401


def test_an_app_is_a_plain_wsgi_callable():
    world = build_world()
    with httpx.Client(
        transport=httpx.WSGITransport(app=world.apps["accredible-eu"]), base_url="http://eu"
    ) as c:
        assert c.get("/v1/issuer/groups/1").status_code == 401
