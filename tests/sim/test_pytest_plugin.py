"""The pytest plugin: scenario files become tests, failures read like ``casim run``'s, and the
fixtures give each test a fresh world."""

import textwrap

GOOD = """\
name: a credential without a design stays unapproved
rules: [R2]
steps:
  - create_group: {group: g}
  - issue_credential: {student: student1, group: g}
  - expect_credential: {student: student1, group: g, approved: false}
"""

BAD_EXPECTATION = """\
name: expects an email that never comes
steps:
  - create_group: {group: g}
  - issue_credential: {student: student1, group: g}
  - expect_emails: {to: student1, count: 1}
"""

FIXTURE_TEST = textwrap.dedent(
    """\
    def test_fixture_starts_from_an_empty_world(casim):
        casim.client("canvas").post("/_sim/clock", json={"advance": 60})
        assert casim.client("accredible-us").get("/_sim/clock").json()["now"].endswith("09:01:00Z")

    def test_and_the_next_test_too(casim):
        assert casim.client("canvas").get("/_sim/clock").json()["now"] == "2026-01-05T09:00:00Z"
    """
)


def test_scenarios_are_collected_and_failures_show_expected_and_actual(pytester):
    pytester.makefile(".yaml", **{"scenarios/good": GOOD, "scenarios/bad": BAD_EXPECTATION})
    pytester.makepyfile(test_fixtures=FIXTURE_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*scenarios/good.yaml::a credential without a design stays unapproved PASSED*",
            "*step 3 `expect_emails` at *scenarios/bad.yaml:5*",
            "*expected: 1*",
            "*actual:   0*",
            "*re-run: casim run *bad.yaml -k 'expects an email that never comes'*",
        ]
    )


def test_both_transports_make_one_test_each_and_rule_markers_select(pytester):
    pytester.makefile(".yaml", **{"scenarios/good": GOOD})
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-v", "--casim-transport", "both", "-m", "R2"
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*unapproved[[]inprocess[]] PASSED*", "*unapproved[[]socket[]] PASSED*"]
    )


def test_a_broken_scenario_file_is_a_collection_error_naming_the_line(pytester):
    pytester.makefile(
        ".yaml", **{"scenarios/broken": "name: x\nsteps:\n  - issue_credentail: {}\n"}
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        ["*broken.yaml:3: steps[[]0[]]: unknown step `issue_credentail`; did you mean*"]
    )
