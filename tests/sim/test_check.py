"""``casim check`` over real sockets: one well set-up course and one broken course per finding,
each output format, exit codes, and proof that the checker only ever sends GET."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fakes"))
from lti_world import build_lti_course

from sim.check import _prerequisite_cycle
from sim.cli import main
from sim.transport import start_fakes

TEACHER = {"Authorization": "Bearer t-teacher"}


@pytest.fixture(scope="module")
def served():
    with start_fakes("socket", hostnames=False) as fakes:
        yield fakes


def _course(
    fakes, region="us", *, new_tab=None, gate=True, design=True, privacy="public", credits=None
):
    fakes.world.reset(0)
    course = build_lti_course(
        fakes,
        region,
        new_tab=(region == "eu") if new_tab is None else new_tab,
        privacy_level=privacy,
    )
    canvas, cid = course.canvas, course.course_id
    if gate:
        week = canvas.post(
            f"/api/v1/courses/{cid}/modules",
            data={"module[name]": "Week 1", "module[position]": "1"},
            headers=TEACHER,
        ).json()
        page = canvas.post(
            f"/api/v1/courses/{cid}/pages",
            data={"wiki_page[title]": "Reading", "wiki_page[published]": "1"},
            headers=TEACHER,
        ).json()
        canvas.post(
            f"/api/v1/courses/{cid}/modules/{week['id']}/items",
            data={"module_item[type]": "Page", "module_item[page_url]": page["url"], "module_item[completion_requirement][type]": "must_view"},
            headers=TEACHER,
        )  # fmt: skip
        canvas.put(
            f"/api/v1/courses/{cid}/modules/{week['id']}",
            data={"module[published]": "1"},
            headers=TEACHER,
        )
        canvas.put(
            f"/api/v1/courses/{cid}/modules/{course.module_id}",
            data={"module[prerequisite_module_ids][]": week["id"]},
            headers=TEACHER,
        )
        course.gate = week
    accredible = course.accredible
    if credits is not None:
        fakes.world.accredible[region].issuers[
            next(iter(fakes.world.accredible[region].issuers))
        ].certificate_left = credits
    group = {
        "name": "Data 101 certificate",
        "course_name": "Data 101",
        "course_description": "Well done",
    }
    if design:
        designs = accredible.get(
            "/v1/designs?kind=certificates", headers={"Authorization": "Token token=k"}
        ).json()["designs"]
        group["certificate_design_id"] = designs[0]["id"]
    accredible.post(
        "/v1/issuer/groups", json={"group": group}, headers={"Authorization": "Token token=k"}
    )
    return course


def _check(fakes, course, *extra, key="k", fmt="json", capsys=None, region=None):
    args = ["check", "--canvas-url", fakes.urls["canvas"], "--token", "t-teacher", "--course", str(course.course_id),
            "--accredible-key", key, "--accredible-us-url", fakes.urls["accredible-us"],
            "--accredible-eu-url", fakes.urls["accredible-eu"], "--format", fmt, *extra]  # fmt: skip
    if region:
        args += ["--region", region]
    code = main(args)
    out = capsys.readouterr().out
    return code, (json.loads(out) if fmt == "json" else out)


def _found(report, severity=None):
    return sorted(
        (f["rule"], f["severity"]) for f in report["findings"] if severity in (None, f["severity"])
    )


def test_a_well_set_up_course_has_no_errors_or_warnings(served, capsys):
    course = _course(served, "us")
    before = max(e["seq"] for e in served.world.journal())
    code, report = _check(served, course, capsys=capsys)
    assert code == 0
    assert _found(report) == [("R3", "info")], report["findings"]
    assert report["region"] == "us" and report["course"]["name"] == "Data 101"
    sent = [e for e in served.world.journal() if e["seq"] > before]
    assert sent and {e["method"] for e in sent} == {"GET"}, "the checker only reads"


def test_the_region_is_read_from_the_item_url(served, capsys):
    course = _course(served, "eu")
    code, report = _check(served, course, capsys=capsys)
    assert (code, report["region"]) == (0, "eu")


@pytest.mark.parametrize(
    ("setup", "region", "expected", "code"),
    [
        ({"new_tab": False}, "eu", [("R1", "error")], 1),
        ({"new_tab": True}, "us", [("R1", "warning")], 0),
        ({"gate": False}, "us", [("R4", "warning")], 0),
        ({"privacy": "name_only"}, "us", [("R7", "error")], 1),
        ({"design": False}, "us", [("R2", "error")], 1),
        ({"credits": 0}, "us", [("R2", "error")], 1),
    ],
    ids=["eu-unticked", "us-ticked", "ungated", "privacy", "no-design", "no-credits"],
)
def test_each_broken_course_gives_its_finding(served, capsys, setup, region, expected, code):
    course = _course(served, region, **setup)
    got_code, report = _check(served, course, capsys=capsys)
    assert got_code == code
    assert [f for f in _found(report) if f != ("R3", "info")] == expected, report["findings"]


def test_an_unpublished_module_and_an_ignored_requirement_are_found(served, capsys):
    course = _course(served, "us")
    cid = course.course_id
    gate_items = course.canvas.get(
        f"/api/v1/courses/{cid}/modules/{course.gate['id']}/items", headers=TEACHER
    ).json()
    course.canvas.put(
        f"/api/v1/courses/{cid}/modules/{course.gate['id']}/items/{gate_items[0]['id']}",
        data={"module_item[published]": "false"},
        headers=TEACHER,
    )
    course.canvas.put(
        f"/api/v1/courses/{cid}/modules/{course.module_id}",
        data={"module[published]": "false", "module[skip_content_tags]": "true"},
        headers=TEACHER,
    )
    code, report = _check(served, course, capsys=capsys)
    assert code == 1
    messages = {f["message"] for f in report["findings"]}
    assert any("its module is unpublished" in m for m in messages)
    assert any("on an unpublished item: Canvas ignores it" in m for m in messages)


def test_an_unlock_date_after_the_course_end_is_an_error(served, capsys):
    course = _course(served, "us")
    cid = course.course_id
    admin = {"Authorization": "Bearer t-admin"}
    course.canvas.put(
        f"/api/v1/courses/{cid}",
        data={"course[start_at]": "2026-01-01T00:00:00Z", "course[end_at]": "2026-03-01T00:00:00Z"},
        headers=admin,
    )
    course.canvas.put(
        f"/api/v1/courses/{cid}/modules/{course.module_id}",
        data={"module[unlock_at]": "2026-04-01T00:00:00Z"},
        headers=TEACHER,
    )
    code, report = _check(served, course, capsys=capsys)
    assert code == 1
    assert any("after the course ends" in f["message"] for f in report["findings"])


def test_a_key_from_the_other_region_is_a_finding_not_a_crash(served, capsys):
    course = _course(served, "us")
    code, report = _check(served, course, capsys=capsys, region="eu")
    r8 = [f for f in report["findings"] if f["rule"] == "R8"]
    assert code == 1 and len(r8) == 1
    assert (
        "not valid on the EU server" in r8[0]["message"]
        and "valid on the US server" in r8[0]["message"]
    )


def test_a_course_without_a_group_yet_is_a_note(served, capsys):
    course = _course(served, "us")
    served.world.accredible["us"].groups.clear()
    code, report = _check(served, course, capsys=capsys)
    assert code == 0 and ("R5", "info") in _found(report)


def test_text_and_junit_formats(served, capsys, tmp_path):
    course = _course(served, "eu", new_tab=False)
    code, text = _check(served, course, capsys=capsys, fmt="text")
    assert code == 1
    assert "ERROR   R1   an EU issuer's item is not set to load in a new tab" in text
    assert "fix  tick 'Load in a new tab' on the item" in text
    assert "k" not in text.split() and "t-teacher" not in text, "secrets are never printed"
    out = tmp_path / "check.xml"
    assert main(["check", "--canvas-url", served.urls["canvas"], "--token", "t-teacher", "--course", str(course.course_id),
                 "--region", "eu", "--format", "junit", "--output", str(out)]) == 1  # fmt: skip
    suite = ET.parse(out).getroot()
    failing = {c.get("name") for c in suite if c.find("failure") is not None}
    assert failing == {"R1"}


def test_unreachable_canvas_and_missing_token_exit_2(capsys, monkeypatch):
    monkeypatch.delenv("CASIM_CANVAS_TOKEN", raising=False)
    assert main(["check", "--canvas-url", "http://127.0.0.1:9", "--course", "1"]) == 2
    assert "give --token" in capsys.readouterr().err
    monkeypatch.setenv("CASIM_CANVAS_TOKEN", "secret-token")
    assert main(["check", "--canvas-url", "http://127.0.0.1:9", "--course", "1"]) == 2
    err = capsys.readouterr().err
    assert "Canvas did not answer" in err and "secret-token" not in err


def test_prerequisite_cycles_are_named():
    modules = {
        1: {"name": "A", "prerequisite_module_ids": [2]},
        2: {"name": "B", "prerequisite_module_ids": [1]},
    }
    assert _prerequisite_cycle(1, modules) == ["A", "B", "A"]
    assert _prerequisite_cycle(2, {2: {"name": "B", "prerequisite_module_ids": []}}) == []


def test_the_checker_retries_busy_answers_and_slows_down_when_canvas_says_so(httpserver):
    from sim.check import ReadOnlyClient

    httpserver.expect_ordered_request("/x").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/x").respond_with_json(
        {}, status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request("/x").respond_with_json(
        {"ok": True}, headers={"X-Rate-Limit-Remaining": "20.0"}
    )
    waited: list[float] = []
    client = ReadOnlyClient(httpserver.url_for("/"), {}, sleep=waited.append, name="Canvas")
    assert client.json("/x") == {"ok": True}
    assert waited == [0.5, 7.0, 1.0], (
        "back-off, then Retry-After, then a pause for a nearly full bucket"
    )
