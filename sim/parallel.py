"""Running many scenarios: one after another in this process, or spread over worker processes
(``casim run -n 4``), each with its own fakes."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed

from sim.scenario.loader import LoadedScenario
from sim.scenario.runner import ScenarioResult, run_scenario
from sim.transport import Fakes, Transport, start_fakes

Job = tuple[LoadedScenario, Transport]

_worker_fakes: dict[str, Fakes] = {}


def run_jobs(
    jobs: list[Job],
    *,
    workers: int = 1,
    seed: int | None = None,
    keep_evidence: bool = False,
    on_result: Callable[[ScenarioResult], None] | None = None,
    quirks: list[str] | None = None,
) -> list[ScenarioResult]:
    """Run every (scenario, transport) job; answer the results in job order."""
    results: list[ScenarioResult | None] = [None] * len(jobs)
    if workers <= 1 or len(jobs) <= 1:
        running: dict[str, Fakes] = {}
        try:
            for i, (scenario, transport) in enumerate(jobs):
                if transport not in running:
                    running[transport] = start_fakes(transport)
                    apply_quirks(running[transport], quirks or [])
                results[i] = run_scenario(
                    running[transport], scenario, seed=seed, keep_evidence=keep_evidence
                )
                if on_result:
                    on_result(results[i])  # type: ignore[arg-type]
        finally:
            for fakes in running.values():
                fakes.close()
        return results  # type: ignore[return-value]
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    # Jobs go to the workers in chunks (a few per worker, so the work still balances): one
    # task per scenario cost about 1 ms of pickling and queueing each, in a parent that shares
    # the two cores with its workers (bench/run.py: -n 2 went from 1.55x to above 1.6x).
    size = max(1, min(25, len(jobs) // (workers * 8)))
    chunks = [
        list(range(start, min(start + size, len(jobs)))) for start in range(0, len(jobs), size)
    ]
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context(method)
    ) as pool:
        futures = {
            pool.submit(
                _run_in_worker, [jobs[i] for i in chunk], seed, keep_evidence, tuple(quirks or ())
            ): chunk
            for chunk in chunks
        }
        for future in as_completed(futures):
            for i, result in zip(futures[future], future.result(), strict=True):
                result.scenario = jobs[i][0]  # not sent back: the parent has it
                results[i] = result
                if on_result:
                    on_result(result)
    return results  # type: ignore[return-value]


def apply_quirks(fakes: Fakes, quirks: list[str] | tuple[str, ...]) -> None:
    """Switch deliberate rule breaks on in ``fakes`` (``casim quirks`` lists them)."""
    if quirks:
        answer = fakes.client("canvas").post("/_sim/quirks", json={"set": list(quirks)})
        if answer.status_code != 200:
            print(f"casim: {answer.json().get('error')}", file=sys.stderr)
            raise SystemExit(2)


def _run_in_worker(
    jobs: list[Job], seed: int | None, keep_evidence: bool, quirks: tuple[str, ...] = ()
) -> list[ScenarioResult]:
    # The parsed scenarios travel to the worker (a few KB pickled each): parsing their files
    # again there cost 5 ms a scenario, a third of the -n 2 gain (bench/run.py).
    results = []
    for scenario, transport in jobs:
        if transport not in _worker_fakes:
            _worker_fakes[transport] = start_fakes(transport)
            apply_quirks(_worker_fakes[transport], quirks)
        result = run_scenario(
            _worker_fakes[transport], scenario, seed=seed, keep_evidence=keep_evidence
        )
        result.scenario = None  # type: ignore[assignment]
        results.append(result)
    return results


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def plan(scenarios: Iterable[LoadedScenario], transports: list[Transport]) -> list[Job]:
    """Every scenario in every transport, transports in the order given."""
    scenarios = list(scenarios)
    return [(s, t) for t in transports for s in scenarios]
