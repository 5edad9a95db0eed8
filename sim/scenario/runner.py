"""Run loaded scenarios against running fakes, without pytest: set up the world the scenario
describes, take its steps in order, and record what passed, what failed and why."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from faker import Faker

from sim.browser import Browser, Sight, Window
from sim.clients import AccredibleClient, ApiError, CanvasClient, ControlClient, NetworkError
from sim.scenario.loader import BoundStep, LoadedScenario, roster
from sim.scenario.steps import STEPS, ExpectationFailed, StepError
from sim.transport import Fakes

ENROLLMENT_TYPES = {
    "teacher": "TeacherEnrollment",
    "ta": "TaEnrollment",
    "student": "StudentEnrollment",
    "observer": "ObserverEnrollment",
}
#: Scenario browser names → the simulated browser's third-party cookie policy.
BROWSER_POLICIES = {"chrome": "allow", "safari": "block"}
#: How scenarios name the Accredible group Canvas created for the scenario's course (R5).
COURSE_GROUP = "course"


class ScenarioSetupError(Exception):
    """The world the scenario describes could not be built."""


@dataclass(frozen=True)
class Person:
    alias: str
    role: str
    name: str
    email: str
    login_id: str
    canvas_id: int
    token: str


@dataclass
class StepOutcome:
    """How one step went: ``passed``, ``failed`` (an expectation), ``error`` or ``skipped``."""

    index: int
    name: str
    line: int
    file: str
    status: str
    message: str = ""
    expected: Any = None
    actual: Any = None
    seconds: float = 0.0


@dataclass
class ScenarioResult:
    """The result of one scenario in one transport."""

    scenario: LoadedScenario
    transport: str
    seed: int
    status: str  # passed | failed | error
    steps: list[StepOutcome] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0
    journal: list[dict[str, Any]] = field(default_factory=list)
    #: Delivery emails the issuer's region sent (kept with ``keep_evidence``).
    emails: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed_step(self) -> StepOutcome | None:
        return next((s for s in self.steps if s.status in ("failed", "error")), None)


class RunContext:
    """What steps work with: clients, the people, and the names the scenario gave things."""

    def __init__(self, fakes: Fakes, scenario: LoadedScenario, seed: int) -> None:
        spec = scenario.spec
        self.fakes = fakes
        self.seed = seed
        self.region = spec.issuer.region
        self.accredible_service = f"accredible-{self.region}"
        self.rng = random.Random(seed)
        self.faker = _faker(seed)
        self.people: dict[str, Person] = {}
        self.modules: dict[str, int] = {}
        self.items: dict[tuple[str, str], int] = {}
        self.groups: dict[str, int] = {}
        self._designs: dict[str, int] = {}
        self._controls: dict[str, ControlClient] = {}
        self.course_name = spec.course.name or f"{self.faker.catch_phrase()}"
        self.course_code = (
            spec.course.code or f"{self.faker.lexify('???').upper()}{self.rng.randint(100, 499)}"
        )
        self.api_key = self.rng.randbytes(16).hex()
        self.accredible = AccredibleClient(
            fakes.client(self.accredible_service), self.api_key, user_agent="casim (issuer)"
        )
        self.course_id = 0
        self.account_id = 1
        self._canvas_http = fakes.client("canvas")
        self.browser_of = {
            alias: spec.people.browsers.get(alias, spec.browser) for alias in roster(spec.people)
        }
        self.browsers: dict[str, Browser] = {}
        #: What each person saw last (their browser's latest view), for ``expect_sees``.
        self.sights: dict[str, Sight] = {}
        #: Where each person's latest Accredible page is: (window, frame name or None).
        self.tool_pages: dict[str, tuple[Window, str | None]] = {}
        self.tool: dict[str, Any] | None = None
        self.content: dict[tuple[str, str], dict[str, Any]] = {}
        #: Named moments of the run (journal sequence numbers), for expect_requests.
        self.marks: dict[str, int] = {}
        #: Modules to publish once the teacher has added their items (before anyone else acts).
        self.publish_later: set[str] = set()
        self.accredible_http = fakes.client(self.accredible_service)

    # -- lookups steps use --------------------------------------------------------------------
    def control(self, service: str) -> ControlClient:
        if service not in self._controls:
            self._controls[service] = ControlClient(self.fakes.client(service))
        return self._controls[service]

    def person(self, alias: str) -> Person:
        try:
            return self.people[alias]
        except KeyError:
            raise ScenarioSetupError(f"unknown person {alias!r}") from None

    def first(self, role: str) -> str:
        for alias, person in self.people.items():
            if person.role == role:
                return alias
        raise ScenarioSetupError(f"the scenario has no {role}; add one under people")

    def canvas_as(self, alias: str) -> CanvasClient:
        return CanvasClient(
            self._canvas_http, self.person(alias).token, user_agent=f"casim ({alias})"
        )

    def module_id(self, name: str) -> int:
        if name not in self.modules:
            raise ScenarioSetupError(f"no module named {name!r} was added before this step")
        return self.modules[name]

    def group_id(self, name: str) -> int:
        if name == COURSE_GROUP and name not in self.groups:
            found = self.course_group()
            if found is None:
                raise ScenarioSetupError(
                    "the course has no Accredible group yet: Canvas creates it at the first launch "
                    "(add an open_item step first)"
                )
            self.groups[name] = found["id"]
        if name not in self.groups:
            raise ScenarioSetupError(f"no group named {name!r} was created before this step")
        return self.groups[name]

    def maybe_group_id(self, name: str) -> int | None:
        """Like :meth:`group_id`, but ``None`` for a course group Canvas has not created yet."""
        if name == COURSE_GROUP and name not in self.groups and self.course_group() is None:
            return None
        return self.group_id(name)

    def course_group(self) -> dict[str, Any] | None:
        """The group the first launch from the course created (R5), found through the API."""
        for group in self.accredible.search_groups(course_name=self.course_name):
            if group["course_name"] == self.course_name and "(Canvas " in group["name"]:
                return group
        return None

    def item_id(self, module: str, title: str) -> int:
        key = (module, title)
        if key not in self.items:
            raise ScenarioSetupError(
                f"no item {title!r} was added to module {module!r} before this step"
            )
        return self.items[key]

    def journal(self) -> list[dict[str, Any]]:
        """Every fake's journal, merged in the order the requests happened."""
        return _journal(self)

    def marks_at(self, name: str) -> int:
        if name not in self.marks:
            raise ScenarioSetupError(f"no mark named {name!r} before this step (add a mark step)")
        return self.marks[name]

    def dashboard(self, action: str, **args: Any) -> dict[str, Any]:
        """An action in the issuer's Accredible dashboard."""
        return self.control(self.accredible_service).dashboard(
            api_key=self.api_key, action=action, **args
        )

    def publish_pending_modules(self) -> None:
        """Publish the modules the scenario built, in course order, with their items."""
        teacher = self.canvas_as(self.first("teacher"))
        for name, module_id in self.modules.items():
            if name in self.publish_later:
                teacher.update_module(self.course_id, module_id, published=True)
        self.publish_later.clear()

    # -- browsers ----------------------------------------------------------------------------
    def now(self) -> datetime:
        """The world's simulated time (what the browsers' cookie clocks read)."""
        if self.fakes.world is not None:
            return self.fakes.world.state.clock.now()
        return datetime.fromisoformat(self.control("canvas").clock()["now"].replace("Z", "+00:00"))

    def browser(self, alias: str) -> Browser:
        if alias not in self.browsers:
            self.person(alias)
            policy = BROWSER_POLICIES[self.browser_of[alias]]
            self.browsers[alias] = Browser(
                self.fakes.network, self.now, third_party_cookies=policy, name=alias
            )
        return self.browsers[alias]

    def visit(self, alias: str, path: str) -> Window:
        """``alias`` opens a Canvas page in a new tab, signed in (a one-time session URL)."""
        session_url = self.canvas_as(alias).session_url(return_to=path)
        return self.browser(alias).open(session_url)

    def close(self) -> None:
        for browser in self.browsers.values():
            browser.close()

    def design_id(self, kind: str) -> int:
        """The first design of ``kind`` in the issuer's library (looked up once)."""
        if kind not in self._designs:
            designs = self.accredible.list_designs(f"{kind}s")
            if not designs:
                raise ScenarioSetupError(f"the issuer has no {kind} design")
            self._designs[kind] = designs[0]["id"]
        return self._designs[kind]

    def today(self) -> str:
        return self.control("canvas").clock()["now"][:10]

    # -- setup --------------------------------------------------------------------------------
    def build_world(self, scenario: LoadedScenario) -> None:
        """Reset the fakes with the seed, then make the people, the issuer and the course."""
        spec = scenario.spec
        self.control("canvas").reset(self.seed)
        cast = roster(spec.people)
        users = [
            {
                "name": "Sim Provisioner",
                "login_id": "sim-provisioner",
                "admin": True,
                "token": f"provisioner~{self.rng.randbytes(16).hex()}",
            }
        ]
        generated: dict[str, tuple[str, str]] = {}
        for alias, role in cast.items():
            first, last = self.faker.first_name(), self.faker.last_name()
            email = f"{first}.{last}.{alias}@example.edu".lower().replace("'", "")
            generated[alias] = (f"{first} {last}", email)
            users.append(
                {
                    "name": f"{first} {last}",
                    "login_id": email,
                    "email": email,
                    "admin": role == "admin",
                    "token": f"{alias}~{self.rng.randbytes(16).hex()}",
                }
            )
        answer = self.control("canvas").seed({"users": users})
        seeded = answer["users"]
        provisioner = CanvasClient(self._canvas_http, seeded[0]["token"])
        for (alias, role), record in zip(cast.items(), seeded[1:], strict=True):
            name, email = generated[alias]
            self.people[alias] = Person(
                alias, role, name, email, email, record["id"], record["token"]
            )
        issuer_name = spec.issuer.name or self.faker.company()
        self.control(self.accredible_service).seed(
            {
                "issuers": [
                    {
                        "name": issuer_name,
                        "email": f"credentials@{self.faker.domain_name()}",
                        "api_key": self.api_key,
                        "certificate_left": spec.issuer.credits,
                    }
                ]
            }
        )
        self.account_id = answer["account_id"]
        self.provisioner = provisioner
        course = provisioner.create_course(
            answer["account_id"], name=self.course_name, course_code=self.course_code, offer=True
        )
        self.course_id = course["id"]
        for person in self.people.values():
            if person.role in ENROLLMENT_TYPES:
                provisioner.enroll(
                    self.course_id, person.canvas_id, type=ENROLLMENT_TYPES[person.role]
                )


@lru_cache(maxsize=1)
def _shared_faker() -> Faker:
    return Faker("en_US")  # building one costs tens of ms: once per process, re-seeded per run


def _faker(seed: int) -> Faker:
    fake = _shared_faker()
    fake.seed_instance(seed)
    return fake


def run_scenario(
    fakes: Fakes, scenario: LoadedScenario, *, seed: int | None = None, keep_evidence: bool = False
) -> ScenarioResult:
    """Run one scenario against ``fakes`` (reset first); never raises for a failing scenario."""
    seed = scenario.seed if seed is None else seed
    result = ScenarioResult(scenario, fakes.transport, seed, "passed")
    started = time.perf_counter()
    ctx = RunContext(fakes, scenario, seed)
    try:
        ctx.build_world(scenario)
    except (ApiError, ScenarioSetupError) as exc:
        result.status = "error"
        result.message = f"setting up the world failed: {exc}"
    else:
        for index, bound in enumerate(scenario.steps):
            outcome = _run_step(ctx, index, bound)
            result.steps.append(outcome)
            if outcome.status != "passed":
                result.status = "failed" if outcome.status == "failed" else "error"
                result.message = outcome.message
                break
    result.seconds = time.perf_counter() - started
    if result.status != "passed" or keep_evidence:
        result.journal = _journal(ctx)
    if keep_evidence:
        try:
            result.emails = ctx.control(ctx.accredible_service).outbox()
        except Exception:  # evidence for a report; a broken fake must not hide the result
            result.emails = []
    ctx.close()
    return result


#: Steps that build the course; modules are published once a step of another kind comes.
BUILD_STEPS = frozenset({"install_app", "add_module", "add_item", "add_accredible_item", "mark"})


def _run_step(ctx: RunContext, index: int, bound: BoundStep) -> StepOutcome:
    started = time.perf_counter()
    outcome = StepOutcome(index, bound.name, bound.line, bound.file, "passed")
    try:
        if bound.name not in BUILD_STEPS and ctx.publish_later:
            ctx.publish_pending_modules()
        STEPS[bound.name].run(ctx, bound.params)
    except ExpectationFailed as exc:
        outcome.status = "failed"
        outcome.message = exc.what
        outcome.expected = exc.expected
        outcome.actual = exc.actual
    except (ApiError, NetworkError) as exc:
        outcome.status = "error"
        outcome.message = str(exc)
    except (ScenarioSetupError, StepError) as exc:
        outcome.status = "error"
        outcome.message = str(exc)
    except Exception as exc:  # a bug or a broken fake: report it on the step, keep running others
        outcome.status = "error"
        outcome.message = f"unexpected {type(exc).__name__}: {exc}"
    outcome.seconds = time.perf_counter() - started
    return outcome


def _journal(ctx: RunContext) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for service in ctx.fakes.urls:
        try:
            entries.extend(ctx.control(service).journal())
        except Exception:  # the journal is a diagnosis aid; a broken fake must not hide the failure
            continue
    return sorted(entries, key=lambda e: e["seq"])
