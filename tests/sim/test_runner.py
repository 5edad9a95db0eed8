"""The runner: the bundled scenario passes in both transports, a failure says what and where,
and a seed fixes the run byte for byte."""

import json
import textwrap

import pytest

from sim.cli import collect
from sim.scenario.loader import load_text
from sim.scenario.runner import run_scenario
from sim.transport import TRANSPORTS, start_fakes

BUNDLED = collect(["scenarios"])


@pytest.fixture(scope="module", params=TRANSPORTS)
def fakes(request):
    with start_fakes(request.param) as running:
        yield running


@pytest.mark.parametrize("scenario", BUNDLED, ids=lambda s: s.name)
def test_every_bundled_scenario_passes_in_both_transports(fakes, scenario):
    result = run_scenario(fakes, scenario)
    assert result.status == "passed", result.message
    assert len(result.steps) == len(scenario.steps)


WRONG = textwrap.dedent(
    """\
    name: a credential without a design is wrongly expected published
    steps:
      - create_group: {group: g}
      - issue_credential: {student: student1, group: g}
      - expect_credential: {student: student1, group: g, approved: true}
      - expect_emails: {count: 0}
    """
)


def test_a_failing_expectation_names_the_step_expected_and_actual(fakes):
    (scenario,) = load_text(WRONG, "wrong.yaml")
    result = run_scenario(fakes, scenario)
    assert result.status == "failed"
    step = result.failed_step
    assert (step.index, step.name, step.line) == (2, "expect_credential", 5)
    assert (step.expected, step.actual) == (True, False)
    assert len(result.steps) == 3, "steps after a failure are not run"
    assert any(e["path"] == "/v1/credentials" for e in result.journal)


def test_a_refused_request_is_an_error_with_the_services_answer(fakes):
    text = (
        "name: twice\nsteps:\n"
        "  - create_group: {group: g, name: same}\n"
        "  - create_group: {group: h, name: same}\n"
    )
    (scenario,) = load_text(text, "twice.yaml")
    result = run_scenario(fakes, scenario)
    assert result.status == "error"
    assert result.failed_step.line == 4
    assert "422" in result.message and "has already been taken" in result.message


def test_the_same_seed_gives_the_same_journal_byte_for_byte():
    scenario = BUNDLED[0]
    journals = []
    for _ in range(2):
        with start_fakes("inprocess") as fakes:
            assert run_scenario(fakes, scenario).status == "passed"
            journals.append(json.dumps(fakes.world.journal(), sort_keys=True))
    assert journals[0] == journals[1]
    with start_fakes("inprocess") as fakes:
        run_scenario(fakes, scenario, seed=scenario.seed + 1)
        assert json.dumps(fakes.world.journal(), sort_keys=True) != journals[0]


def test_runs_in_one_process_do_not_leak_into_each_other(fakes):
    scenario = BUNDLED[0]
    first = run_scenario(fakes, scenario)
    second = run_scenario(fakes, scenario)
    assert first.status == second.status == "passed"


def test_every_bundled_scenario_file_is_indexed_in_the_scenarios_readme():
    from pathlib import Path

    index = Path("scenarios/README.md").read_text()
    files = {s.file.removeprefix("scenarios/") for s in BUNDLED}
    missing = sorted(f for f in files if f"]({f})" not in index)
    assert missing == [], f"add these to scenarios/README.md: {missing}"
    rules = {r for s in BUNDLED for r in s.spec.rules}
    assert rules == {f"R{n}" for n in range(1, 12)}, "the suite covers every rule of DESIGN.md"
    assert len(BUNDLED) >= 30
