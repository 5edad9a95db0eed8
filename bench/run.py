"""Every speed measurement of issue 11 in one run, side by side, with the targets.

    .venv/bin/python bench/run.py            # the full run (a few minutes on 2 cores)
    .venv/bin/python bench/run.py --smoke    # tiny sizes: checks the script still works

1. per exchange and 2. the seed flow: ``bench/exchange.py`` (ours in-process, ours on sockets,
   a bare pytest-httpserver answering the same bytes as the baseline);
3. suite throughput: generated scenarios (``sim.fuzz``) in-process, one worker and two;
4. 8 concurrent clients on the two calls of (1): ours on sockets vs the baseline;
5. memory: peak RSS of one world with N students and N credentials, and RSS growth across
   many scenarios run one after another in one process;
6. start-up: ``casim serve`` until its first 200, and ``start_fakes`` until the fakes answer.

Prints a table and writes ``bench/results/run.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
import exchange

from sim.fuzz import build_scenario, events, shapes
from sim.parallel import plan, run_jobs
from sim.scenario.loader import load_file
from sim.transport import start_fakes

RESULTS = Path(__file__).parent / "results"


def generated_scenarios(count: int, directory: Path) -> list:
    """``count`` generated scenarios (seeded), written 50 to a file, loaded back."""
    found: list[dict] = []

    @st.composite
    def cases(draw: st.DrawFn) -> dict:
        shape = draw(shapes())
        return build_scenario(shape, draw(events(shape)), seed=len(found))

    @hypothesis_seed(11)
    @settings(max_examples=count, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(cases())
    def collect(scenario: dict) -> None:
        if len(found) < count:
            found.append({**scenario, "name": f"generated {len(found) + 1}"})

    while len(found) < count:
        collect()
    loaded = []
    for start in range(0, count, 50):
        path = directory / f"generated_{start // 50:03}.yaml"
        chunk = found[start : start + 50]
        path.write_text(yaml.safe_dump_all(chunk, sort_keys=False))
        loaded.extend(load_file(path))
    return loaded


def suite_throughput(count: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        scenarios = generated_scenarios(count, Path(tmp))
        out = {"scenarios": len(scenarios)}
        for workers in (1, 2):
            started = time.perf_counter()
            results = run_jobs(plan(scenarios, ["inprocess"]), workers=workers)
            seconds = time.perf_counter() - started
            bad = [r for r in results if r.status != "passed"]
            out[f"workers_{workers}_s"] = seconds
            out[f"workers_{workers}_per_s"] = len(results) / seconds
            out[f"workers_{workers}_not_passed"] = len(bad)
        out["speedup"] = out["workers_1_s"] / out["workers_2_s"]
        return out


def concurrent_load(clients: int, calls: int) -> dict:
    """``clients`` threads each doing ``calls`` of list_items + create_credential."""

    def hammer(make_client, list_path, create_path, auth, body, key) -> float:
        def work() -> None:
            with make_client() as client:
                for _ in range(calls):
                    client.get(list_path, headers=auth).raise_for_status()
                    client.post(create_path, json=body, headers=key).raise_for_status()

        threads = [threading.Thread(target=work) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return clients * calls * 2 / (time.perf_counter() - started)

    with start_fakes("socket", hostnames=False) as fakes:
        list_path, auth, body, key = exchange.seed(fakes)
        listed = fakes.client("canvas").get(list_path, headers=auth)
        made = fakes.client("accredible-us").post("/v1/credentials", json=body, headers=key)
        canvas, us = fakes.urls["canvas"], fakes.urls["accredible-us"]

        class Both:  # one client per thread, two base URLs, as the calls go to two services
            def __enter__(self):
                self.c, self.u = httpx.Client(base_url=canvas), httpx.Client(base_url=us)
                return self

            def __exit__(self, *exc):
                self.c.close(), self.u.close()

            def get(self, *a, **k):
                return self.c.get(*a, **k)

            def post(self, *a, **k):
                return self.u.post(*a, **k)

        ours = hammer(Both, list_path, "/v1/credentials", auth, body, key)
    with exchange.baseline_server(listed, made) as server:
        base = server.url_for("/").rstrip("/")
        baseline = hammer(lambda: httpx.Client(base_url=base), "/list", "/create", auth, body, key)
        server.clear_log()
    return {"ours_rps": ours, "baseline_rps": baseline, "ratio": ours / baseline}


_MEMORY_WORLD = """
import sys
from sim.transport import start_fakes
n = int(sys.argv[1])
with start_fakes("inprocess") as fakes:
    canvas, us = fakes.client("canvas"), fakes.client("accredible-us")
    canvas.post("/_sim/seed", json={"users": [{"name": f"S {i}", "login_id": f"s{i}", "email": f"s{i}@x.org"} for i in range(n)]}).raise_for_status()
    us.post("/_sim/seed", json={"issuers": [{"name": "I", "email": "i@x.org", "api_key": "k"}]})
    key = {"Authorization": "Token token=k"}
    design = us.get("/v1/designs", headers=key).json()["designs"][0]["id"]
    group = us.post("/v1/issuer/groups", headers=key, json={"group": {"name": "g", "course_name": "c", "course_description": "d", "certificate_design_id": design}}).json()["group"]["id"]
    for start in range(0, n, 100):
        batch = [{"group_id": group, "recipient": {"name": f"S {i}", "email": f"s{i}@x.org"}} for i in range(start, min(n, start + 100))]
        us.post("/v1/credentials/bulk_create", headers=key, json={"credentials": batch}).raise_for_status()
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec from the forking parent
    print(next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024)
"""

_MEMORY_RUNS = """
import gc, sys
from sim.scenario.loader import load_file
from sim.scenario.runner import run_scenario
from sim.transport import start_fakes
n = int(sys.argv[1])
(scenario,) = load_file("scenarios/seed_flow/us_student_gets_a_published_credential_inside_canvas.yaml")
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20
with start_fakes("inprocess") as fakes:
    for _ in range(20):
        run_scenario(fakes, scenario)
    gc.collect(); before = rss()
    for _ in range(n):
        assert run_scenario(fakes, scenario).status == "passed"
    gc.collect(); print(before, rss())
"""


def memory(students: int, runs: int) -> dict:
    python = sys.executable
    world = float(subprocess.check_output([python, "-c", _MEMORY_WORLD, str(students)], text=True))
    before, after = map(
        float, subprocess.check_output([python, "-c", _MEMORY_RUNS, str(runs)], text=True).split()
    )
    return {"students": students, "world_peak_rss_mb": world, "runs": runs,
            "rss_before_mb": before, "rss_growth_mb": after - before}  # fmt: skip


def startup(rounds: int) -> dict:
    serve, fixture = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "serve", "--json", "--students", "1"],
            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        info = json.loads(proc.stdout.readline())
        httpx.get(info["urls"]["canvas"] + "/api/v1/courses").status_code  # noqa: B018
        key = info["accredible"]["us"]["api_key"]
        answer = httpx.get(
            info["urls"]["accredible-us"] + "/v1/designs",
            headers={"Authorization": f"Token token={key}"},
        )
        assert answer.status_code == 200
        serve.append(time.perf_counter() - started)
        proc.terminate()
        proc.wait()
        proc.stdout.close()
        started = time.perf_counter()
        with start_fakes("socket") as fakes:
            assert fakes.client("canvas").get("/_sim/clock").status_code == 200
        fixture.append(time.perf_counter() - started)
    return {"serve_first_200_s": statistics.median(serve),
            "start_fakes_socket_s": statistics.median(fixture)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (the test suite runs it)")
    args = parser.parse_args()
    smoke = args.smoke
    report: dict = {"smoke": smoke}
    print("1-2. per exchange and seed flow ...", flush=True)
    if smoke:
        report["exchange"], _ = exchange.measure(1, 10, flow_repeat=1, suite_repeat=0)
    else:
        report["exchange"], _ = exchange.measure(5, 300)
    print("3. suite throughput ...", flush=True)
    report["suite"] = suite_throughput(6 if smoke else 1000)
    print("4. concurrent load ...", flush=True)
    report["concurrent"] = concurrent_load(8, 5 if smoke else 200)
    print("5. memory ...", flush=True)
    report["memory"] = memory(200 if smoke else 10_000, 10 if smoke else 10_000)
    print("6. start-up ...", flush=True)
    report["startup"] = startup(1 if smoke else 5)
    report["self_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    ex = report["exchange"]
    rows = []
    for call in ("list_items", "create_credential"):
        base = ex[f"baseline-socket/{call}"]
        inproc, sock = ex[f"ours-inprocess/{call}"], ex[f"ours-socket/{call}"]
        rows.append(
            (
                f"{call}: in-process µs (ratio to baseline)",
                f"{inproc:.0f} ({inproc / base:.2f}x)",
                "<= 0.15x",
            )
        )
        plain = ex[f"ours-inprocess-plain-client/{call}"]
        rows.append(
            (
                f"{call}: in-process, plain httpx.Client µs",
                f"{plain:.0f} ({plain / base:.2f}x)",
                "",
            )
        )
        rows.append(
            (
                f"{call}: sockets µs (ratio to baseline)",
                f"{sock:.0f} ({sock / base:.2f}x)",
                "<= 1.2x",
            )
        )
        rows.append((f"{call}: baseline µs", f"{base:.0f}", ""))
    rows.append(
        ("seed flow in-process ms", f"{ex['ours-inprocess/seed_flow'] / 1000:.1f}", "<= 15")
    )
    rows.append(("seed flow sockets ms", f"{ex['ours-socket/seed_flow'] / 1000:.1f}", "<= 100"))
    s = report["suite"]
    rows.append(
        (
            f"{s['scenarios']} scenarios, 1 worker s",
            f"{s['workers_1_s']:.1f} ({s['workers_1_per_s']:.0f}/s)",
            "<= 20 s per 1000",
        )
    )
    rows.append(("-n 2 speed-up", f"{s['speedup']:.2f}x", ">= 1.6x"))
    c = report["concurrent"]
    rows.append(
        (
            "8 clients, req/s ours vs baseline",
            f"{c['ours_rps']:.0f} vs {c['baseline_rps']:.0f} ({c['ratio']:.2f}x)",
            ">= 1.0x",
        )
    )
    m = report["memory"]
    rows.append(
        (
            f"world of {m['students']} students+credentials, peak RSS MB",
            f"{m['world_peak_rss_mb']:.0f}",
            "<= 150",
        )
    )
    rows.append(
        (
            f"RSS growth over {m['runs']} scenarios MB",
            f"{m['rss_growth_mb']:.1f}",
            "<= 30",
        )
    )
    u = report["startup"]
    rows.append(("casim serve until first 200 s", f"{u['serve_first_200_s']:.2f}", "<= 1"))
    rows.append(("start_fakes (sockets) until answering s", f"{u['start_fakes_socket_s']:.2f}", ""))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'ours':>24}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>24}  {target}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("run-smoke.json" if smoke else "run.json")
    out.write_text(json.dumps(report, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
