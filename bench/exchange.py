"""Per-exchange cost of the fakes against a canned-answer baseline, and per-scenario cost.

Three ways to answer the same two calls, one sequential httpx client each:
  ours-inprocess   the fake in-process (fakes.client(): no sockets, no WSGI), and the same
                   through a plain httpx.Client on the in-process transport
  ours-socket      the fake on a loopback port (our HTTP/1.1 server shell, keep-alive)
  baseline-socket  a bare pytest-httpserver answering the fake's own recorded bytes
Medians of several rounds; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from functools import partial
from pathlib import Path

import httpx
from pytest_httpserver import HTTPServer

from sim.cli import collect
from sim.scenario.runner import run_scenario
from sim.transport import start_fakes

RESULTS = Path(__file__).parent / "results"
# The baseline's werkzeug server logs a line per request; quiet, as our fakes are.
logging.getLogger("werkzeug").setLevel(logging.ERROR)


def seed(fakes):
    """A course with one module of 6 items (~1 KB of JSON) and a US group with a design."""
    canvas = fakes.client("canvas")
    canvas.post(
        "/_sim/seed", json={"users": [{"name": "A", "login_id": "a", "admin": True, "token": "t"}]}
    )
    auth = {"Authorization": "Bearer t"}
    course = canvas.post(
        "/api/v1/accounts/1/courses", data={"course[name]": "B"}, headers=auth
    ).json()
    module = canvas.post(
        f"/api/v1/courses/{course['id']}/modules", data={"module[name]": "M"}, headers=auth
    ).json()
    for i in range(6):
        canvas.post(
            f"/api/v1/courses/{course['id']}/modules/{module['id']}/items",
            data={
                "module_item[type]": "ExternalUrl",
                "module_item[external_url]": f"https://e/{i}",
                "module_item[title]": f"Reading {i}",
            },
            headers=auth,
        ).raise_for_status()
    us = fakes.client("accredible-us")
    us.post(
        "/_sim/seed", json={"issuers": [{"name": "O", "api_key": "k", "certificate_left": 10**9}]}
    )
    key = {"Authorization": "Token token=k"}
    design = us.get("/v1/designs?kind=certificates", headers=key).json()["designs"][0]["id"]
    group = us.post(
        "/v1/issuer/groups",
        headers=key,
        json={
            "group": {
                "name": "g",
                "course_name": "c",
                "course_description": "d",
                "allow_duplicate_credentials": True,
                "certificate_design_id": design,
            }
        },
    ).json()["group"]
    list_path = f"/api/v1/courses/{course['id']}/modules/{module['id']}/items"
    cred_body = {
        "credential": {"group_id": group["id"], "recipient": {"name": "S", "email": "s@e.org"}}
    }
    return list_path, auth, cred_body, key


def baseline_server(listed, made):
    """The baseline: a bare pytest-httpserver answering our fake's own recorded bytes for
    ``/list`` and ``/create`` (start it with ``with``)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("/list").respond_with_data(
        listed.content, content_type="application/json", headers={"Link": listed.headers["Link"]}
    )
    server.expect_request("/create", method="POST").respond_with_data(
        made.content, content_type="application/json"
    )
    return server


def time_calls(n, call):
    started = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - started) / n * 1e6


def measure(rounds, calls, flow_repeat=10, suite_repeat=2):
    rows = {}
    for transport in ("inprocess", "socket"):
        # On sockets: the fakes under their 127.0.0.1 address and a plain httpx.Client, the
        # same client the baseline gets (no *.localhost name rewriting on our side only).
        with start_fakes(transport, hostnames=False) as fakes:
            list_path, auth, cred_body, key = seed(fakes)
            if transport == "socket":
                canvas = httpx.Client(base_url=fakes.urls["canvas"])
                us = httpx.Client(base_url=fakes.urls["accredible-us"])
            else:
                canvas, us = fakes.client("canvas"), fakes.client("accredible-us")
            listed = canvas.get(list_path, headers=auth)
            made = us.post("/v1/credentials", json=cred_body, headers=key)
            list_call = partial(canvas.get, list_path, headers=auth)
            create_call = partial(us.post, "/v1/credentials", json=cred_body, headers=key)
            rows[f"ours-{transport}/list_items"] = [
                time_calls(calls, list_call) for _ in range(rounds)
            ]
            rows[f"ours-{transport}/create_credential"] = [
                time_calls(calls, create_call) for _ in range(rounds)
            ]
            if transport == "inprocess":
                # The same calls through a plain httpx.Client on the same in-process transport
                # (fakes.client() is an httpx.Client with a short path for plain calls).
                with (
                    httpx.Client(transport=fakes.network, base_url=fakes.urls["canvas"]) as c,
                    httpx.Client(
                        transport=fakes.network, base_url=fakes.urls["accredible-us"]
                    ) as u,
                ):
                    rows["ours-inprocess-plain-client/list_items"] = [
                        time_calls(calls, partial(c.get, list_path, headers=auth))
                        for _ in range(rounds)
                    ]
                    rows["ours-inprocess-plain-client/create_credential"] = [
                        time_calls(
                            calls, partial(u.post, "/v1/credentials", json=cred_body, headers=key)
                        )
                        for _ in range(rounds)
                    ]
            if transport == "socket":
                canvas.close()
                us.close()
    server = baseline_server(listed, made)
    with server, httpx.Client(base_url=server.url_for("/").rstrip("/")) as client:
        rows["baseline-socket/list_items"] = [
            time_calls(calls, lambda: client.get("/list", headers=auth)) for _ in range(rounds)
        ]
        rows["baseline-socket/create_credential"] = [
            time_calls(calls, lambda: client.post("/create", json=cred_body, headers=key))
            for _ in range(rounds)
        ]
        server.clear_log()
    suite = collect(["scenarios"])
    seed_flow = collect(["scenarios/seed_flow"])
    for transport in ("inprocess", "socket"):
        with start_fakes(transport) as fakes:
            for label, scenarios, repeat in (
                ("seed_flow", seed_flow, flow_repeat),
                ("bundled_scenario", suite, suite_repeat),
            ):
                if not repeat:
                    continue
                run_scenario(fakes, scenarios[0])  # warm-up
                per_round = []
                for _ in range(rounds):
                    started = time.perf_counter()
                    for _ in range(repeat):
                        for scenario in scenarios:
                            assert run_scenario(fakes, scenario).status == "passed", scenario.name
                    per_round.append(
                        (time.perf_counter() - started) / (repeat * len(scenarios)) * 1e6
                    )
                rows[f"ours-{transport}/{label}"] = per_round
    return {k: statistics.median(v) for k, v in rows.items()}, len(listed.content)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    medians, list_bytes = measure(args.rounds, args.calls)
    print(f"median µs per call ({args.rounds} rounds x {args.calls} calls; list {list_bytes} B)")
    heads = ("ours-inprocess", "ours-socket", "baseline", "inproc/base", "socket/base")
    print(f"{'call':<20}" + "".join(f"{h:>16}" for h in heads))
    for call in ("list_items", "create_credential"):
        ours_in, ours_sock = medians[f"ours-inprocess/{call}"], medians[f"ours-socket/{call}"]
        base = medians[f"baseline-socket/{call}"]
        cells = (f"{ours_in:.0f}", f"{ours_sock:.0f}", f"{base:.0f}")
        ratios = (f"{ours_in / base:.2f}", f"{ours_sock / base:.2f}")
        print(f"{call:<20}" + "".join(f"{c:>16}" for c in (*cells, *ratios)))
    for label, title in (
        ("seed_flow", "seed flow scenario (install to emailed credential)"),
        ("bundled_scenario", "bundled scenario, mean"),
    ):
        print(
            f"{title}: {medians[f'ours-inprocess/{label}'] / 1000:.1f} ms in-process, "
            f"{medians[f'ours-socket/{label}'] / 1000:.1f} ms over sockets"
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "exchange.json"
    out.write_text(
        json.dumps({"rounds": args.rounds, "calls": args.calls, "median_us": medians}, indent=2)
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
