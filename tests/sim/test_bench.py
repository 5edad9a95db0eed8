"""The benchmark scripts cannot rot: ``bench/run.py --smoke`` runs every measurement at tiny
sizes and writes its JSON (the numbers themselves are not checked: timing is for bench/)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_run_smoke_measures_everything():
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--smoke"], cwd=ROOT, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "casim serve until first 200 s" in done.stdout
    report = json.loads((ROOT / "bench/results/run-smoke.json").read_text())
    assert set(report) >= {"exchange", "suite", "concurrent", "memory", "startup"}
    assert report["suite"]["workers_1_not_passed"] == 0
    assert report["suite"]["workers_2_not_passed"] == 0
    assert report["concurrent"]["ours_rps"] > 0
