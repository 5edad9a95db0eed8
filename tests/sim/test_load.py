"""Issue 10's load test, over loopback sockets: 50 students open the Accredible item at once,
each twice (two browsers, as a double click from two tabs would), round after round, in both
regions. Every round must end with exactly one credential per student, exactly one email per
credential, no 5xx, and a journal holding every request the browsers sent.

Rounds default to 2 per region (CI); ``CASIM_LOAD_ROUNDS=20`` runs the full load. The numbers
(requests, time, errors) are printed; run with ``-s`` to see them.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from sim.browser import Browser, sees
from sim.clients import ControlClient
from sim.scenario.loader import load_text
from sim.scenario.runner import RunContext, _run_step
from sim.transport import start_fakes

STUDENTS = 50
LAUNCHES_EACH = 2
ROUNDS = int(os.environ.get("CASIM_LOAD_ROUNDS", "2"))

SETUP = """
name: load test world ({region})
seed: 1010
issuer: {{region: {region}}}
people: {{teachers: 1, students: {students}}}
steps:
  - install_app: {{}}
  - add_module: {{module: Certificate}}
  - add_accredible_item: {{module: Certificate, new_tab: {new_tab}}}
  - open_item: {{person: teacher1, module: Certificate}}
  - choose_design: {{kind: certificate}}
"""


def _launch(ctx: RunContext, alias: str, n: int) -> tuple[str, list[tuple[str, str, int]]]:
    """One student opens the item in a fresh browser; answers what they see and what it sent."""
    browser = Browser(ctx.fakes.network, ctx.now, name=f"{alias}-{n}")
    try:
        path = f"/courses/{ctx.course_id}/modules/items/{ctx.item_id('Certificate', 'Accredible')}"
        window = browser.open(ctx.canvas_as(alias).session_url(return_to=path))
        sight = sees(window)
        if sight.what == "new_window_button":
            window.click("in a new window")
            sight = sees(browser.windows[-1])
        return sight.what, browser.history
    finally:
        browser.close()


@pytest.mark.parametrize(("region", "new_tab"), [("us", "false"), ("eu", "true")])
def test_fifty_students_launching_twice_at_once_get_one_credential_each(
    region, new_tab, record_property
):
    (scenario,) = load_text(SETUP.format(region=region, new_tab=new_tab, students=STUDENTS))
    totals = Counter()
    started = time.perf_counter()
    with start_fakes("socket", seed=1010) as fakes, ThreadPoolExecutor(32) as pool:
        for round_no in range(ROUNDS):
            ctx = RunContext(fakes, scenario, scenario.seed + round_no)
            ctx.build_world(scenario)  # a fresh world each round
            for index, bound in enumerate(scenario.steps):
                outcome = _run_step(ctx, index, bound)
                assert outcome.status == "passed", outcome.message
            journals = {name: ControlClient(fakes.client(name)) for name in fakes.urls}
            marks = {name: len(c.journal()) for name, c in journals.items()}
            students = [a for a, p in ctx.people.items() if p.role == "student"]
            jobs = [
                pool.submit(_launch, ctx, alias, n)
                for alias in students
                for n in range(LAUNCHES_EACH)
            ]
            outcomes = [job.result() for job in jobs]
            ctx.close()

            seen = Counter(what for what, _ in outcomes)
            assert seen == {"credential": STUDENTS * LAUNCHES_EACH}, seen
            credentials = ctx.accredible.find_credentials(group_id=ctx.group_id("course"))
            emails = Counter(c["recipient"]["email"] for c in credentials)
            assert len(credentials) == STUDENTS and set(emails.values()) == {1}
            assert all(c["approve"] for c in credentials)
            outbox = ctx.control(ctx.accredible_service).outbox()
            assert Counter(m["to"] for m in outbox) == Counter(emails)  # one email per credential

            entries = [e for c in journals.values() for e in c.journal()]
            recent = [e for e in entries if e["seq"] > min(marks.values())]
            sent = Counter(
                (method, url.split("?")[0].split("://", 1)[1].split("/", 1)[1])
                for _, history in outcomes
                for method, url, _status in history
            )
            logged = Counter((e["method"], e["path"].lstrip("/")) for e in recent)
            assert sent - logged == Counter(), "requests missing from the journal"
            errors = [e for e in recent if e["status"] >= 500]
            assert errors == []
            totals["requests"] += len(recent)
            totals["browser_requests"] += sum(sent.values())
            totals["launches"] += len(outcomes)
    seconds = time.perf_counter() - started
    numbers = (
        f"load {region}: {ROUNDS} rounds x {STUDENTS} students x {LAUNCHES_EACH} launches = "
        f"{totals['launches']} launches, {totals['requests']} requests served "
        f"({totals['browser_requests']} from browsers), 0 errors, {seconds:.1f} s "
        f"({totals['requests'] / seconds:.0f} requests/s)"
    )
    print("\n" + numbers)
    record_property("casim_numbers", numbers)
