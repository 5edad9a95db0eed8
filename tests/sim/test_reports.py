"""The reports CI and people read: JUnit XML and the self-contained HTML page; and -n workers."""

import textwrap
import xml.etree.ElementTree as ET

from sim.cli import main

GOOD = textwrap.dedent(
    """\
    name: a student gets a pending credential
    seed: 3
    people: {students: 1}
    steps:
      - install_app: {}
      - add_module: {module: M}
      - add_accredible_item: {module: M, new_tab: false}
      - open_item: {person: student1, module: M}
      - expect_sees: {person: student1, sees: pending_credential}
    """
)
BAD = GOOD.replace(
    "name: a student gets a pending credential", "name: wrongly expects a published one"
).replace("sees: pending_credential", "sees: credential")


def test_junit_and_html_reports_from_parallel_workers(tmp_path, capsys):
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "bad.yaml").write_text(BAD)
    junit, html = tmp_path / "out" / "junit.xml", tmp_path / "out" / "report.html"
    code = main(
        [
            "run",
            str(tmp_path),
            "--transport",
            "both",
            "-n",
            "2",
            "--junit",
            str(junit),
            "--html",
            str(html),
        ]
    )
    assert code == 1
    out = capsys.readouterr().out
    assert "4 scenarios (inprocess, socket, 2 workers)" in out and "2 passed, 2 failed" in out
    suite = ET.parse(junit).getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "2", "0")
    failures = [case for case in suite if case.find("failure") is not None]
    assert {c.get("name") for c in failures} == {
        "wrongly expects a published one [inprocess]",
        "wrongly expects a published one [socket]",
    }
    text = failures[0].find("failure").text
    assert (
        "expected: 'credential'" in text
        and "actual:   'pending_credential'" in text
        and "re-run: casim run" in text
    )
    page = html.read_text()
    assert "<svg" in page and "student1&#x27;s browser" in page
    assert "https://purl.imsglobal.org/spec/lti/claim/roles" in page, "decoded LTI claims"
    assert "http://" not in page.split("<body")[0] and "<script" not in page, (
        "self-contained, no CDN"
    )


def test_workers_must_be_a_positive_number(capsys):
    try:
        main(["run", "scenarios", "-n", "0"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "at least 1" in capsys.readouterr().err
