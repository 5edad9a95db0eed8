"""``/_sim/snapshot`` and ``/_sim/restore``: a seeded world saved and loaded into fresh fakes
is the same world, and carries on (ids, tokens, LTI keys); a bad snapshot changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.scenario.loader import load_file
from sim.scenario.runner import run_scenario
from sim.transport import start_fakes

ROOT = Path(__file__).resolve().parents[2]
EU_FLOW = ROOT / "scenarios/seed_flow/eu_student_gets_a_published_credential_in_a_new_window.yaml"


@pytest.fixture(scope="module")
def saved() -> dict:
    """The EU seed flow run to its end, then downloaded from the control plane."""
    with start_fakes("inprocess") as fakes:
        (scenario,) = load_file(EU_FLOW)
        assert run_scenario(fakes, scenario).status == "passed"
        answer = fakes.client("accredible-eu").get("/_sim/snapshot")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/json")
        return {"text": answer.text, "data": answer.json()}


def test_a_snapshot_is_versioned_json_of_every_service(saved):
    data = saved["data"]
    assert data["format"] == 1
    assert set(data["services"]) == {"canvas", "accredible-us", "accredible-eu"}
    assert "PRIVATE KEY" not in saved["text"]  # signing keys are stored by name, never in clear


def test_a_restored_world_is_the_same_world_and_carries_on(casim, saved):
    canvas = casim.client("canvas")
    answer = canvas.post("/_sim/restore", content=saved["text"])
    assert answer.status_code == 200, answer.text
    assert canvas.get("/_sim/snapshot").text == saved["text"]

    eu = casim.client("accredible-eu")
    [api_key] = saved["data"]["services"]["accredible-eu"]["keys"]
    key = {"Authorization": f"Token token={api_key}"}
    credentials = eu.get("/v1/all_credentials", headers=key).json()["credentials"]
    assert len(credentials) == 1 and credentials[0]["approve"] is True
    group = credentials[0]["group_id"]
    more = eu.post(
        "/v1/credentials",
        json={"credential": {"group_id": group, "recipient": {"name": "N", "email": "n@x.org"}}},
        headers=key,
    ).json()["credential"]
    assert more["id"] > credentials[0]["id"]  # id sequences restored, no reuse

    # the Canvas side carries on too: every saved token still signs its user in
    tokens = saved["data"]["services"]["canvas"]["tokens"]
    assert tokens
    for token in tokens:
        me = canvas.get("/api/v1/users/self", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, me.text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "not a snapshot"),
        ('{"format": 99, "world": {}, "services": {}}', "snapshot format 99 is not supported"),
        ('{"format": 1}', "needs 'world' and 'services'"),
    ],
)
def test_a_bad_snapshot_is_refused_and_changes_nothing(casim, saved, body, message):
    canvas = casim.client("canvas")
    canvas.post("/_sim/restore", content=saved["text"]).raise_for_status()
    answer = canvas.post("/_sim/restore", content=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]
    assert canvas.get("/_sim/snapshot").text == saved["text"]


def test_an_unknown_record_type_is_refused_whole(casim, saved):
    data = json.loads(saved["text"])
    credentials = data["services"]["accredible-eu"]["credentials"]
    first = credentials["__items__"][0][1]  # int-keyed maps are stored as [key, value] pairs
    first["__type__"] = "os.system"  # a snapshot is data: it never names code to run
    canvas = casim.client("canvas")
    before = canvas.get("/_sim/snapshot").text
    answer = canvas.post("/_sim/restore", content=json.dumps(data))
    assert answer.status_code == 400
    assert "unknown record type 'os.system'" in answer.json()["error"]
    assert canvas.get("/_sim/snapshot").text == before


def test_restore_needs_post(casim):
    answer = casim.client("canvas").get("/_sim/restore")
    assert answer.status_code in (400, 405)


def test_a_state_file_is_rewritten_after_changes_only(tmp_path, saved):
    """``persist_to``: loads the file, rewrites it (new inode: temp file + rename) after a
    change, and leaves it alone after a pure read."""
    state = tmp_path / "world.json"
    state.write_text(saved["text"])
    with start_fakes("inprocess") as fakes:
        assert fakes.world.persist_to(str(state)) is True
        eu = fakes.client("accredible-eu")
        assert eu.get("/_sim/snapshot").text == saved["text"]
        [api_key] = saved["data"]["services"]["accredible-eu"]["keys"]
        key = {"Authorization": f"Token token={api_key}"}
        inode = state.stat().st_ino
        assert eu.get("/v1/all_credentials", headers=key).status_code == 200
        assert state.stat().st_ino == inode  # a read wrote nothing
        group = eu.get("/v1/all_credentials", headers=key).json()["credentials"][0]["group_id"]
        body = {"group_id": group, "recipient": {"name": "N", "email": "n@x.org"}}
        made = eu.post("/v1/credentials", json={"credential": body}, headers=key)
        assert made.status_code == 200
        assert state.stat().st_ino != inode
        assert state.read_text() == eu.get("/_sim/snapshot").text
        refused = eu.post("/v1/credentials", json={"credential": {"group_id": group}}, headers=key)
        assert refused.status_code >= 400
        assert state.read_text() == eu.get("/_sim/snapshot").text


def test_a_restart_keeps_state_through_a_snapshot_or_loses_it(casim, saved):
    canvas, eu = casim.client("canvas"), casim.client("accredible-eu")
    canvas.post("/_sim/restore", content=saved["text"]).raise_for_status()
    eu.post("/_sim/faults", json={"action": "status", "status": 503}).raise_for_status()
    answer = eu.post("/_sim/restart", json={"keep_state": True})
    assert answer.json() == {"restarted": "accredible-eu", "keep_state": True}
    assert canvas.get("/_sim/snapshot").text == saved["text"]  # everything came back
    assert eu.get("/_sim/faults").json()["rules"] == []  # faults do not survive a restart

    eu.post("/_sim/restart", json={"keep_state": False}).raise_for_status()
    after = canvas.get("/_sim/snapshot").json()["services"]
    assert after["accredible-eu"]["credentials"] == {} and after["accredible-eu"]["keys"] == {}
    assert after["canvas"] == saved["data"]["services"]["canvas"]  # the others are untouched
    bad = eu.post("/_sim/restart", json={"keep_state": "yes"})
    assert bad.status_code == 400
