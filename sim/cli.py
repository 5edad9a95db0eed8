"""``casim``: run scenario suites, serve the fakes, print the scenario JSON Schema.

Exit codes: 0 all passed (or served and stopped cleanly), 1 a scenario failed, 2 a bad file or
bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from fakes.world import SnapshotError, parse_snapshot
from sim import __version__
from sim.parallel import default_workers
from sim.scenario.loader import LoadedScenario, ScenarioFileError, discover, load_file
from sim.transport import TRANSPORTS

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``casim`` and ``python -m sim``."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (``casim steps | head``)
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casim",
        description="Fake Canvas + Accredible (US, EU) and a scenario engine for the "
        "Canvas -> Accredible credential flow.",
    )
    parser.add_argument("--version", action="version", version=f"casim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run scenario files against the fakes")
    run.add_argument(
        "paths", nargs="*", default=["scenarios"], help="files or directories (default: scenarios)"
    )
    run.add_argument("-k", dest="keyword", help="only scenarios whose name contains this text")
    run.add_argument(
        "--transport",
        choices=[*TRANSPORTS, "both"],
        default="inprocess",
        help="in-process (fast, default), real loopback sockets, or both",
    )
    run.add_argument("--seed", type=int, help="override every scenario's seed")
    run.add_argument(
        "-n", "--workers", type=_workers, default=1, metavar="N",
        help="run in N worker processes (auto: one per core)",
    )  # fmt: skip
    run.add_argument(
        "--junit", metavar="FILE", help="also write a JUnit XML report (one test case per scenario)"
    )
    run.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report")
    run.add_argument(
        "--quirk", action="append", default=[], metavar="NAME",
        help="break a rule of the fakes on purpose (casim quirks lists them); repeatable",
    )  # fmt: skip
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser("serve", help="serve Canvas, Accredible US and EU on loopback")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--canvas-port", type=int, default=0, help="0 picks a free port (default)")
    serve.add_argument("--us-port", type=int, default=0, help="Accredible US port (0: free)")
    serve.add_argument("--eu-port", type=int, default=0, help="Accredible EU port (0: free)")
    serve.add_argument("--seed", type=int, default=1, help="seed of the demo world (default 1)")
    serve.add_argument("--students", type=int, default=3, help="students in the demo course")
    serve.add_argument(
        "--json", action="store_true", help="print URLs and credentials as one JSON line"
    )
    serve.add_argument(
        "--hostnames",
        action="store_true",
        help="publish the fakes as canvas.localhost, api.accredible.localhost and "
        "eu.api.accredible.localhost (browsers resolve them to loopback; they keep Canvas and "
        "Accredible different sites, which the EU new-tab rule needs in a real browser)",
    )
    serve.add_argument(
        "--state",
        metavar="FILE",
        help="keep the world in FILE: loaded at start if it exists (the demo world is seeded "
        "only when it does not), saved atomically after every change, so a crash loses nothing "
        "the fakes answered with success; a restart reuses the ports saved in FILE",
    )
    serve.set_defaults(func=cmd_serve)

    schema = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    schema.set_defaults(func=cmd_schema)

    check = sub.add_parser(
        "check",
        help="audit a Canvas course's Accredible set-up against the integration rules (read-only)",
        description="Audit a Canvas course's Accredible set-up (only GET requests). Secrets may come "
        "from CASIM_CANVAS_TOKEN and CASIM_ACCREDIBLE_KEY instead of the command line.",
    )
    check.add_argument(
        "--canvas-url", required=True, help="Canvas base URL, e.g. https://school.instructure.com"
    )
    check.add_argument(
        "--token", help="a Canvas token of a teacher or admin of the course (or CASIM_CANVAS_TOKEN)"
    )
    check.add_argument("--course", required=True, type=int, help="the Canvas course id")
    check.add_argument(
        "--region",
        choices=["us", "eu"],
        help="the issuer's Accredible server (default: from the item URLs, else us)",
    )
    check.add_argument(
        "--accredible-key", help="the issuer's Accredible API key (or CASIM_ACCREDIBLE_KEY)"
    )
    check.add_argument(
        "--accredible-us-url",
        default="https://api.accredible.com",
        help="Accredible US API base URL",
    )
    check.add_argument(
        "--accredible-eu-url",
        default="https://eu.api.accredible.com",
        help="Accredible EU API base URL",
    )
    check.add_argument("--format", choices=["text", "json", "junit"], default="text")
    check.add_argument(
        "--output", metavar="FILE", help="write the report here instead of standard output"
    )
    check.set_defaults(func=cmd_check)

    fuzz = sub.add_parser(
        "fuzz", help="run generated scenarios; save the smallest failing one as a YAML file"
    )
    fuzz.add_argument(
        "--examples", type=int, default=100, help="how many scenarios to generate (default 100)"
    )
    fuzz.add_argument("--seed", type=int, default=0, help="seed of the generator (default 0)")
    fuzz.add_argument(
        "--save-failures", metavar="DIR", help="write the smallest failing scenario here"
    )
    fuzz.add_argument("--transport", choices=TRANSPORTS, default="inprocess")
    fuzz.add_argument(
        "--quirk", action="append", default=[], help="break a rule on purpose (see casim quirks)"
    )
    fuzz.set_defaults(func=cmd_fuzz)

    quirks = sub.add_parser("quirks", help="list the deliberate rule breaks tests can switch on")
    quirks.set_defaults(func=cmd_quirks)

    steps = sub.add_parser("steps", help="list the steps scenarios can use, with their parameters")
    steps.set_defaults(func=cmd_steps)
    return parser


# -- run --------------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    from sim.parallel import plan, run_jobs
    from sim.report import ConsoleReport
    from sim.reports import write_html, write_junit

    try:
        scenarios = collect(args.paths, args.keyword)
    except ScenarioFileError as exc:
        print(
            f"casim: cannot run: {len(exc.problems)} problem(s) in scenario files", file=sys.stderr
        )
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
    if not scenarios:
        where = ", ".join(args.paths)
        extra = f" matching -k {args.keyword!r}" if args.keyword else ""
        print(f"casim: no scenarios{extra} in {where}", file=sys.stderr)
        return EXIT_USAGE
    transports = list(TRANSPORTS) if args.transport == "both" else [args.transport]
    jobs = plan(scenarios, transports)
    report = ConsoleReport()
    report.started(len(jobs), transports, args.workers)
    started = time.perf_counter()
    results = run_jobs(
        jobs,
        workers=args.workers,
        seed=args.seed,
        keep_evidence=bool(args.html),
        on_result=report.scenario_done,
        quirks=args.quirk,
    )
    seconds = time.perf_counter() - started
    report.results = results
    report.summary(seconds)
    if args.junit:
        write_junit(results, args.junit, seconds)
        print(f"casim: JUnit report written to {args.junit}")
    if args.html:
        write_html(results, args.html, seconds)
        print(f"casim: HTML report written to {args.html}")
    return EXIT_OK if all(r.status == "passed" for r in results) else EXIT_FAILED


def _workers(value: str) -> int:
    if value == "auto":
        return default_workers()
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of workers or 'auto', got {value!r}"
        ) from None
    if count < 1:
        raise argparse.ArgumentTypeError("the number of workers must be at least 1")
    return count


def collect(paths: Sequence[str], keyword: str | None = None) -> list[LoadedScenario]:
    """Load every scenario under ``paths``; all files' problems are reported together."""
    problems = []
    scenarios: list[LoadedScenario] = []
    for path in discover(paths):
        try:
            scenarios.extend(load_file(path))
        except ScenarioFileError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioFileError(problems)
    if keyword:
        scenarios = [s for s in scenarios if keyword.lower() in s.name.lower()]
    return scenarios


# -- serve ------------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from sim.transport import start_fakes

    ports = {
        "canvas": args.canvas_port,
        "accredible-us": args.us_port,
        "accredible-eu": args.eu_port,
    }
    saved: dict[str, Any] = {}
    if args.state:
        try:
            saved = _saved_serve_info(args.state)
        except (OSError, SnapshotError) as exc:
            print(f"casim serve: --state {args.state}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        for name, port in saved.get("ports", {}).items():
            if not ports.get(name):  # the saved world's LTI URLs name these ports
                ports[name] = port
    try:
        fakes = start_fakes(
            "socket",
            seed=args.seed,
            host=args.host,
            ports=ports,
            hostnames=args.hostnames,
            realtime_clock=True,
        )
    except OSError as exc:
        print(f"casim serve: cannot listen: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        info = _serve_world(fakes, args, saved)
        if info is None:
            fakes.close()
            return EXIT_USAGE
        if args.json:
            print(json.dumps(info, separators=(",", ":")), flush=True)
        else:
            print(_describe(info), flush=True)
        stop.wait()
    finally:
        fakes.close()
    if not args.json:
        print("casim serve: stopped", flush=True)
    return EXIT_OK


def _saved_serve_info(path: str) -> dict[str, Any]:
    """What a state file says about the last ``casim serve`` ({} if there is no file yet)."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        data = parse_snapshot(handle.read())
    return dict(data["world"].get("meta", {}).get("serve") or {})


def _serve_world(fakes: Any, args: argparse.Namespace, saved: dict[str, Any]) -> Any:
    """Load the world from ``--state`` if the file exists, else seed the demo world (and start
    saving it there); answers the serve info, or None after a message on stderr."""
    from sim.demo import seed_demo_world

    if args.state and os.path.exists(args.state):
        try:
            fakes.world.persist_to(args.state)
        except SnapshotError as exc:
            print(f"casim serve: --state {args.state}: {exc}", file=sys.stderr)
            return None
        return dict(saved.get("info") or {}, urls=dict(fakes.urls), restored_from=args.state)
    info = seed_demo_world(fakes, seed=args.seed, students=args.students)
    if args.state:
        ports = {name: int(url.rsplit(":", 1)[1]) for name, url in fakes.urls.items()}
        fakes.world.meta["serve"] = {"info": info, "ports": ports}
        fakes.world.persist_to(args.state)
        fakes.world.persist()
    return info


def _describe(info: dict[str, Any]) -> str:
    lines = ["casim serve: fakes are up (Ctrl-C to stop)", ""]
    for name, url in info["urls"].items():
        lines.append(f"  {name:<15} {url}")
    lines.append("")
    if "restored_from" in info:
        lines.append(f"World loaded from {info['restored_from']} (saved there after every change).")
        if "course" not in info:
            return "\n".join(lines)
    lines.append(
        f"Canvas course {info['course']['id']} {info['course']['name']!r}, "
        f"account {info['account_id']}"
    )
    for person in info["canvas_users"]:
        lines.append(f"  {person['role']:<8} {person['name']:<24} token {person['token']}")
    lines.append("")
    for region, issuer in info["accredible"].items():
        lines.append(
            f"Accredible {region.upper()} issuer {issuer['name']!r}: API key {issuer['api_key']}"
        )
        lines.append(
            f"  installed in Canvas as tool {issuer['canvas_tool_id']}; dashboard {issuer['dashboard']}"
        )
    lines.append("")
    lines.append(
        "Sign a browser in: GET /login/session_token with a token above (answers a one-time URL)."
    )
    lines.append("Try:")
    teacher = next(p for p in info["canvas_users"] if p["role"] == "teacher")
    urls = info["urls"]
    lines.append(
        f"  curl -H 'Authorization: Bearer {teacher['token']}' {urls['canvas']}/api/v1/courses"
    )
    key = info["accredible"]["us"]["api_key"]
    lines.append(f"  curl -H 'Authorization: Token token={key}' {urls['accredible-us']}/v1/designs")
    return "\n".join(lines)


# -- schema -----------------------------------------------------------------------------------
def cmd_schema(args: argparse.Namespace) -> int:
    from sim.scenario.schema import scenario_json_schema

    print(json.dumps(scenario_json_schema(), indent=2))
    return EXIT_OK


def cmd_steps(args: argparse.Namespace) -> int:
    from sim.scenario.steps import STEPS

    for name, definition in STEPS.items():
        fields = []
        for field_name, field in definition.params.model_fields.items():
            shown = field.alias or field_name
            fields.append(shown if field.is_required() else f"{shown}?")
        print(f"{name}: {{{', '.join(fields)}}}")
        print(f"    {definition.doc}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    import os

    from sim.check import RENDERERS, ReadOnlyClient, Unreachable, check_course

    token = args.token or os.environ.get("CASIM_CANVAS_TOKEN")
    if not token:
        print("casim check: give --token or set CASIM_CANVAS_TOKEN", file=sys.stderr)
        return EXIT_USAGE
    key = args.accredible_key or os.environ.get("CASIM_ACCREDIBLE_KEY")
    canvas = ReadOnlyClient(args.canvas_url, {"Authorization": f"Bearer {token}"}, name="Canvas")
    accredible = None
    if key:
        urls = {"us": args.accredible_us_url, "eu": args.accredible_eu_url}
        accredible = {
            region: ReadOnlyClient(
                url, {"Authorization": f"Token token={key}"}, name=f"Accredible {region.upper()}"
            )
            for region, url in urls.items()
        }
    try:
        result = check_course(canvas, args.course, region=args.region, accredible=accredible)
    except Unreachable as error:
        print(f"casim check: {error}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        canvas.close()
        for client in (accredible or {}).values():
            client.close()
    text = RENDERERS[args.format](result)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"casim check: {len(result.findings)} findings written to {args.output}")
    else:
        sys.stdout.write(text)
    return EXIT_FAILED if result.errors else EXIT_OK


def cmd_quirks(args: argparse.Namespace) -> int:
    from sim.transport import start_fakes

    with start_fakes("inprocess") as fakes:
        known = fakes.client("canvas").get("/_sim/quirks").json()["known"]
    for name, what in known.items():
        print(f"{name:30} {what}")
    return EXIT_OK


def cmd_fuzz(args: argparse.Namespace) -> int:
    from sim.fuzz import fuzz
    from sim.parallel import apply_quirks
    from sim.transport import start_fakes

    def progress(done: int, status: str) -> None:
        if done % 25 == 0 or status != "passed":
            note = "" if status == "passed" else " - a rule broke, shrinking the example"
            print(f"  {done} scenarios run{note}", flush=True)

    with start_fakes(args.transport) as fakes:
        apply_quirks(fakes, args.quirk)
        print(
            f"casim fuzz: up to {args.examples} generated scenarios, seed {args.seed}", flush=True
        )
        ran, found = fuzz(
            fakes,
            examples=args.examples,
            seed=args.seed,
            save_failures=args.save_failures,
            progress=progress,
        )
    if found is None:
        print(f"casim fuzz: {ran} scenarios run, every rule held")
        return EXIT_OK
    if args.save_failures:
        quirks = "".join(f" --quirk {q}" for q in args.quirk)
        print(f"casim fuzz: a rule broke; the smallest failing scenario is in {found}")
        print(f"  re-run: casim run {found}{quirks}")
    else:
        print("casim fuzz: a rule broke; the smallest failing scenario:\n" + found)
    return EXIT_FAILED
