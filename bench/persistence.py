"""What ``casim serve --state FILE`` costs: the time of one credential POST with and without
a state file, as the world grows (every change rewrites one JSON snapshot: temp file, fsync,
rename), plus the bare snapshot and fsync'd-write times at each size.

    .venv/bin/python bench/persistence.py [--sizes 10,100,1000] [--calls 50]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sim.transport import start_fakes


def _world(size: int, state: Path | None):
    fakes = start_fakes("inprocess")
    api = fakes.client("accredible-us")
    api.post("/_sim/seed", json={"issuers": [{"name": "I", "email": "i@x.org", "api_key": "k"}]})
    key = {"Authorization": "Token token=k"}
    design = api.get("/v1/designs", headers=key).json()["designs"][0]["id"]
    group = api.post(
        "/v1/issuer/groups",
        json={"group": {"name": "g", "course_name": "G", "course_description": "d",
                        "certificate_design_id": design}},
        headers=key,
    ).json()["group"]["id"]  # fmt: skip
    for i in range(size):
        body = {"group_id": group, "recipient": {"name": f"R{i}", "email": f"r{i}@x.org"}}
        api.post("/v1/credentials", json={"credential": body}, headers=key)
    if state is not None:
        fakes.world.persist_to(str(state))
        fakes.world.persist()
    return fakes, api, key, group


def _post_ms(api, key, group, calls: int) -> float:
    times = []
    for i in range(calls):
        body = {"group_id": group, "recipient": {"name": f"N{i}", "email": f"n{i}@x.org"}}
        started = time.perf_counter()
        api.post("/v1/credentials", json={"credential": body}, headers=key).raise_for_status()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="credentials already in the world")
    parser.add_argument("--calls", type=int, default=50, help="timed POSTs per size")
    args = parser.parse_args()
    print(f"{'credentials':>11} {'snapshot KB':>11} {'snapshot ms':>11} {'GET ms':>7} "
          f"{'POST ms':>8} {'POST+state ms':>13}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            fakes, api, key, group = _world(size, None)
            plain = _post_ms(api, key, group, args.calls)
            fakes.close()
            fakes, api, key, group = _world(size, Path(tmp) / f"w{size}.json")
            started = time.perf_counter()
            text = fakes.world.snapshot()
            snap = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            for _ in range(args.calls):
                api.get("/v1/designs", headers=key)
            get = (time.perf_counter() - started) * 1000 / args.calls
            saved = _post_ms(api, key, group, args.calls)
            fakes.close()
            print(f"{size:>11} {len(text) / 1024:>11.0f} {snap:>11.1f} {get:>7.1f} "
                  f"{plain:>8.2f} {saved:>13.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
