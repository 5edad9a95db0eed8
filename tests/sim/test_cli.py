"""``casim`` as a person uses it: run (exit 0/1/2), schema, serve."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import httpx

from sim.cli import main


def test_run_passes_the_bundled_suite_in_both_transports(capsys):
    assert main(["run", "scenarios", "--transport", "both"]) == 0
    out = capsys.readouterr().out
    assert "[inprocess] a credential made in a group without a design stays unapproved" in out
    assert "[socket] a credential made in a group without a design stays unapproved" in out
    assert "\n0 failed" not in out and " 0 failed\n" in out


def test_run_exits_1_and_shows_the_failing_step_and_a_rerun_command(tmp_path, capsys):
    path = tmp_path / "wrong.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            name: wrongly expects a published credential
            seed: 42
            steps:
              - create_group: {group: g}
              - issue_credential: {student: student1, group: g}
              - expect_credential: {student: student1, group: g, approved: true}
            """
        )
    )
    assert main(["run", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"step 3 `expect_credential` at {path}:6" in out
    assert "expected: True" in out and "actual:   False" in out
    assert "POST /v1/credentials -> 200" in out
    name = "wrongly expects a published credential"
    rerun = f"casim run {path} -k '{name}' --seed 42 --transport inprocess"
    assert rerun in out
    assert "0 passed, 1 failed" in out


def test_run_exits_2_on_a_bad_file_without_a_traceback(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nsteps:\n  - create_group: {group: 7}\n")
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3: steps[0].create_group.group: should be a valid string" in err
    assert "Traceback" not in err


def test_run_exits_2_when_nothing_matches(capsys):
    assert main(["run", "scenarios", "-k", "no such scenario"]) == 2
    assert "no scenarios matching" in capsys.readouterr().err


def test_schema_describes_every_step(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    steps = schema["$defs"]["Scenario"]["properties"]["steps"]["items"]["oneOf"]
    names = {next(iter(s["properties"])) for s in steps}
    assert {"create_group", "issue_credential", "expect_credential", "add_accredible_item"} <= names


def test_python_dash_m_sim_is_casim():
    done = subprocess.run(
        [sys.executable, "-m", "sim", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.startswith("casim ")


def test_serve_prints_working_urls_and_credentials_then_stops_on_sigterm():
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "serve", "--json", "--students", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        info = json.loads(proc.stdout.readline())
        teacher = next(u for u in info["canvas_users"] if u["role"] == "teacher")
        courses = httpx.get(
            info["urls"]["canvas"] + "/api/v1/courses",
            headers={"Authorization": f"Bearer {teacher['token']}"},
        ).json()
        assert [c["id"] for c in courses] == [info["course"]["id"]]
        for region in ("us", "eu"):
            key = info["accredible"][region]["api_key"]
            designs = httpx.get(
                info["urls"][f"accredible-{region}"] + "/v1/designs",
                headers={"Authorization": f"Token token={key}"},
            )
            assert designs.status_code == 200
        students = [u for u in info["canvas_users"] if u["role"] == "student"]
        assert len(students) == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)
    assert code == 0
