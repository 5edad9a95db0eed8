"""pytest plugin (auto-loaded when the package is installed): collects ``scenarios/**/*.yaml``
as tests and offers fixtures that start the fakes once per worker and reset them per test.

Fixtures:
- ``casim_fakes`` (session): the running fakes (:class:`sim.transport.Fakes`), started once per
  process (so once per xdist worker);
- ``casim`` (function): the same fakes, reset to an empty world (seed 0) before the test.

Option ``--casim-transport inprocess|socket|both`` picks how scenarios and fixtures reach the
fakes (default ``inprocess``). Scenarios carry their rule ids as markers: ``pytest -m R2``.
"""

from __future__ import annotations

import base64
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sim.report import format_failure
from sim.reports import write_html
from sim.scenario.loader import SCENARIO_SUFFIXES, LoadedScenario, ScenarioFileError, load_file
from sim.scenario.runner import ScenarioResult, run_scenario
from sim.transport import TRANSPORTS, Fakes, Transport, start_fakes

_running: dict[str, Fakes] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("casim", "canvas-accredible-sim")
    group.addoption(
        "--casim-transport",
        choices=[*TRANSPORTS, "both"],
        default="inprocess",
        help="how scenarios and the casim fixtures reach the fakes (default: inprocess)",
    )
    group.addoption(
        "--casim-html",
        metavar="FILE",
        default=None,
        help="write casim's HTML report of the scenarios run (works with xdist too)",
    )


def _transports(config: pytest.Config) -> list[Transport]:
    chosen = config.getoption("--casim-transport", default="inprocess")
    return list(TRANSPORTS) if chosen == "both" else [chosen]


def running_fakes(transport: Transport) -> Fakes:
    """This process's fakes for ``transport``, started on first use."""
    if transport not in _running:
        _running[transport] = start_fakes(transport)
    return _running[transport]


def pytest_unconfigure(config: pytest.Config) -> None:
    while _running:
        _, fakes = _running.popitem()
        fakes.close()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix in SCENARIO_SUFFIXES and "scenarios" in file_path.parts:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    """A YAML file of scenarios: one test per scenario and transport."""

    def collect(self) -> Iterator[pytest.Item]:
        try:
            scenarios = load_file(self.path)
        except ScenarioFileError as exc:
            raise self.CollectError(str(exc)) from None
        transports = _transports(self.config)
        for scenario in scenarios:
            for transport in transports:
                name = scenario.name if len(transports) == 1 else f"{scenario.name}[{transport}]"
                yield ScenarioItem.from_parent(
                    self, name=name, scenario=scenario, transport=transport
                )


class ScenarioFailed(Exception):
    """A scenario did not pass; carries its result for the report."""

    def __init__(self, result: ScenarioResult) -> None:
        super().__init__(result.message)
        self.result = result


class ScenarioItem(pytest.Item):
    """One scenario run in one transport."""

    def __init__(self, *, scenario: LoadedScenario, transport: Transport, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.transport = transport
        for rule in scenario.spec.rules:
            self.add_marker(getattr(pytest.mark, rule))

    def runtest(self) -> None:
        keep = bool(self.config.getoption("--casim-html", default=None))
        result = run_scenario(running_fakes(self.transport), self.scenario, keep_evidence=keep)
        if keep:  # travels to the xdist controller with the report
            self.user_properties.append(
                ("casim_result", base64.b64encode(pickle.dumps(result)).decode())
            )
        if result.status != "passed":
            raise ScenarioFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return format_failure(excinfo.value.result)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.line - 1, f"scenario: {self.name}"


_collected: list[ScenarioResult] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        for name, value in report.user_properties:
            if name == "casim_result":
                _collected.append(pickle.loads(base64.b64decode(value)))


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("--casim-html", default=None)
    if path and not hasattr(session.config, "workerinput") and _collected:
        write_html(_collected, path, sum(r.seconds for r in _collected))


def pytest_configure(config: pytest.Config) -> None:
    for n in range(1, 12):
        config.addinivalue_line(
            "markers", f"R{n}: exercises integration rule R{n} (DESIGN.md section 2)"
        )


@pytest.fixture(scope="session")
def casim_fakes(request: pytest.FixtureRequest) -> Fakes:
    """The fakes, started once per worker in the first transport chosen by --casim-transport."""
    return running_fakes(_transports(request.config)[0])


@pytest.fixture
def casim(casim_fakes: Fakes) -> Fakes:
    """The fakes with an empty world (seed 0): every test starts from the same state."""
    if casim_fakes.world is not None:
        casim_fakes.world.reset(0)
    else:  # fakes served by another process: reset over the control plane
        casim_fakes.client("canvas").post("/_sim/reset", json={"seed": 0}).raise_for_status()
    return casim_fakes
