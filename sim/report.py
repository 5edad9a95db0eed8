"""The console report: one line per scenario while running, then a summary and, for each
failure, the step, expected vs actual, the last journal lines and a command to re-run it."""

from __future__ import annotations

import json
import shlex
import sys
from collections import Counter
from typing import TextIO

from sim.scenario.runner import ScenarioResult

JOURNAL_TAIL = 8
_MARK = {"passed": "PASS", "failed": "FAIL", "error": "ERROR"}


class ConsoleReport:
    """Writes progress and the summary to ``out`` (colour only on a terminal)."""

    def __init__(self, out: TextIO | None = None, *, color: bool | None = None) -> None:
        self.out = out or sys.stdout
        self.color = self.out.isatty() if color is None else color
        self.results: list[ScenarioResult] = []

    def _paint(self, text: str, status: str) -> str:
        if not self.color:
            return text
        code = {"passed": "32", "failed": "31", "error": "33"}.get(status, "0")
        return f"\033[{code}m{text}\033[0m"

    def started(self, total: int, transports: list[str], workers: int = 1) -> None:
        plural = "s" if total != 1 else ""
        spread = f", {workers} workers" if workers > 1 else ""
        self.out.write(
            f"casim: running {total} scenario{plural} ({', '.join(transports)}{spread})\n"
        )
        self.out.flush()

    def scenario_done(self, result: ScenarioResult) -> None:
        self.results.append(result)
        mark = self._paint(f"{_MARK[result.status]:5}", result.status)
        location = f"{result.scenario.file}:{result.scenario.line}"
        self.out.write(
            f"{mark} [{result.transport}] {result.scenario.name}  ({result.seconds * 1000:.0f} ms)"
            f"  {location}\n"
        )
        self.out.flush()

    def summary(self, seconds: float) -> None:
        counts = Counter(r.status for r in self.results)
        failures = [r for r in self.results if r.status != "passed"]
        for result in failures:
            self.out.write("\n" + format_failure(result))
        self.out.write("\n")
        rows = [
            ("passed", counts["passed"]),
            ("failed", counts["failed"]),
            ("errors", counts["error"]),
            ("total", len(self.results)),
            ("time", f"{seconds:.2f} s"),
        ]
        width = max(len(k) for k, _ in rows)
        self.out.write("summary\n")
        for key, value in rows:
            self.out.write(f"  {key:<{width}}  {value}\n")
        closing = f"{counts['passed']} passed, {counts['failed'] + counts['error']} failed"
        self.out.write(self._paint(closing, "passed" if not failures else "failed") + "\n")
        self.out.flush()


def format_failure(result: ScenarioResult) -> str:
    """What went wrong in ``result``, for a person: step, expected vs actual, journal, re-run."""
    scenario = result.scenario
    lines = [
        f"--- {_MARK[result.status]}: {scenario.name} [{result.transport}, seed {result.seed}]"
    ]
    step = result.failed_step
    if step is not None:
        lines.append(
            f"  step {step.index + 1} `{step.name}` at {step.file or scenario.file}:{step.line}"
        )
        lines.append(f"    {step.message}")
        if step.status == "failed":
            lines.append(f"    expected: {step.expected!r}")
            lines.append(f"    actual:   {step.actual!r}")
    elif result.message:
        lines.append(f"  {result.message}")
    if result.journal:
        lines.append(f"  last {min(JOURNAL_TAIL, len(result.journal))} requests (journal):")
        for entry in result.journal[-JOURNAL_TAIL:]:
            lines.append("    " + journal_line(entry))
    lines.append("  re-run: " + rerun_command(result))
    return "\n".join(lines) + "\n"


def journal_line(entry: dict[str, object]) -> str:
    """``#12 accredible-us POST /v1/credentials -> 200 {"credential":...}`` (bodies cut)."""
    query = f"?{entry['query']}" if entry.get("query") else ""
    body = str(entry.get("response_body", ""))
    try:
        body = json.dumps(json.loads(body), separators=(",", ":"))
    except (ValueError, TypeError):
        pass
    if len(body) > 160:
        body = body[:157] + "..."
    return (
        f"#{entry['seq']} {entry['service']} {entry['method']} {entry['path']}{query}"
        f" -> {entry['status']} {body}"
    )


def rerun_command(result: ScenarioResult) -> str:
    """One command that re-runs just this scenario, same seed and transport."""
    return shlex.join(
        [
            "casim",
            "run",
            result.scenario.file,
            "-k",
            result.scenario.name,
            "--seed",
            str(result.seed),
            "--transport",
            result.transport,
        ]
    )
