"""Shared fixtures: people and keys seeded through the control plane, clients over HTTP."""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx
import pytest
from hypothesis import HealthCheck, settings

from sim.transport import Fakes

pytest_plugins = ["pytester"]

# Hypothesis profiles, picked by CASIM_HYPOTHESIS_PROFILE (README, "Property tests"):
# ci - derandomised, bounded, no example database (the default, inside `make test`);
# dev - more examples, random, remembers failures; deep - many more, for a nightly run.
_slow = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci", max_examples=25, stateful_step_count=10, derandomize=True, database=None, deadline=None,
    suppress_health_check=_slow, print_blob=False,
)  # fmt: skip
settings.register_profile(
    "dev", max_examples=100, stateful_step_count=20, deadline=None, suppress_health_check=_slow
)
settings.register_profile(
    "deep", max_examples=2000, stateful_step_count=40, deadline=None, suppress_health_check=_slow
)
settings.load_profile(os.environ.get("CASIM_HYPOTHESIS_PROFILE", "ci"))


@dataclass
class CanvasWorld:
    http: httpx.Client
    base_url: str
    account_id: int
    admin: str
    teacher: str
    student: str
    outsider: str
    ids: dict[str, int]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, who)}"}


@pytest.fixture
def canvas_world(casim: Fakes) -> CanvasWorld:
    """An admin, a teacher, a student and an outsider with tokens; one published course with
    the teacher and the student enrolled (active)."""
    http = casim.client("canvas")
    users = [
        {"name": "Ada Admin", "login_id": "ada@example.edu", "admin": True, "token": "tok-admin"},
        {"name": "Tess Teacher", "login_id": "tess@example.edu", "token": "tok-teacher"},
        {
            "name": "Sam Student",
            "login_id": "sam@example.edu",
            "email": "sam@example.edu",
            "token": "tok-student",
        },
        {"name": "Otto Outsider", "login_id": "otto@example.edu", "token": "tok-outsider"},
    ]
    answer = http.post("/_sim/seed", json={"users": users}).json()
    ids = {u["login_id"].split("@")[0]: u["id"] for u in answer["users"]}
    admin = {"Authorization": "Bearer tok-admin"}
    course = http.post(
        f"/api/v1/accounts/{answer['account_id']}/courses",
        data={"course[name]": "Data Literacy", "course[course_code]": "DATA101", "offer": "true"},
        headers=admin,
    ).json()
    ids["course"] = course["id"]
    for who, kind in (("tess", "TeacherEnrollment"), ("sam", "StudentEnrollment")):
        http.post(
            f"/api/v1/courses/{course['id']}/enrollments",
            data={
                "enrollment[user_id]": ids[who],
                "enrollment[type]": kind,
                "enrollment[enrollment_state]": "active",
            },
            headers=admin,
        ).raise_for_status()
    return CanvasWorld(
        http,
        casim.urls["canvas"],
        answer["account_id"],
        "tok-admin",
        "tok-teacher",
        "tok-student",
        "tok-outsider",
        ids,
    )


@dataclass
class AccredibleRegion:
    http: httpx.Client
    key: str
    region: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Token token={self.key}"}


@pytest.fixture
def accredible(casim: Fakes) -> dict[str, AccredibleRegion]:
    """One issuer per region, with its own key (``us-key``, ``eu-key``)."""
    out = {}
    for region in ("us", "eu"):
        http = casim.client(f"accredible-{region}")
        http.post(
            "/_sim/seed",
            json={"issuers": [{"name": f"Issuer {region}", "api_key": f"{region}-key"}]},
        ).raise_for_status()
        out[region] = AccredibleRegion(http, f"{region}-key", region)
    return out


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the numbers tests measured (load test, crash test) after the run, even under
    xdist and without ``-s``: tests hand them over as the ``casim_numbers`` property."""
    lines = [
        value
        for report in terminalreporter.stats.get("passed", [])
        for name, value in getattr(report, "user_properties", [])
        if name == "casim_numbers"
    ]
    if lines:
        terminalreporter.section("casim numbers")
        for line in sorted(lines):
            terminalreporter.write_line(line)
