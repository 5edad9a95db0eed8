"""Generated scenarios: Hypothesis strategies for course shapes and event sequences, a small
independent model of what must then be true, and scenarios in the YAML language that carry the
model's expectations. ``casim fuzz`` runs them and saves failing ones as replayable files.

The model is deliberately small and separate from the fakes: it decides from the rules alone
(R2 approval, R3 one email per publication, R4 gating, R6 one credential, R8 residency, R9
roles, R11 replay) what each person should see and what each instance should hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

REQUIREMENTS = ("must_view", "must_mark_done", "must_submit", "must_contribute", "min_score")
_ITEM_KIND = {
    "must_view": "page",
    "must_mark_done": "page",
    "must_submit": "assignment",
    "must_contribute": "discussion",
    "min_score": "assignment",
}


@dataclass(frozen=True)
class Shape:
    """One generated set-up: issuer, course gating, the Accredible item, people, browser."""

    region: str
    new_tab: bool
    browser: str  # chrome | safari
    gate: str  # none | prerequisite | sequential | unlock
    requirements: tuple[str, ...]
    students: int
    credits: int
    allow_duplicates: bool
    design: str | None  # chosen by the teacher at the start, or None


@st.composite
def shapes(draw: st.DrawFn) -> Shape:
    """Course shapes over every gating kind, requirement type, region and browser policy."""
    gate = draw(st.sampled_from(("none", "prerequisite", "sequential", "unlock")))
    requirements: tuple[str, ...] = ()
    if gate in ("prerequisite", "sequential"):
        requirements = tuple(draw(st.lists(st.sampled_from(REQUIREMENTS), min_size=1, max_size=3)))
    region = draw(st.sampled_from(("us", "eu")))
    return Shape(
        region=region,
        new_tab=draw(st.booleans()),
        browser=draw(st.sampled_from(("chrome", "safari"))),
        gate=gate,
        requirements=requirements,
        students=draw(st.integers(1, 2)),
        credits=draw(st.integers(0, 3)),
        allow_duplicates=draw(st.booleans()),
        design=draw(st.sampled_from((None, "certificate", "badge"))),
    )


Event = tuple[Any, ...]


def events(shape: Shape) -> st.SearchStrategy[list[Event]]:
    """Sequences of what people do after the set-up (opening and completing weighed up: they
    are what people do most)."""
    student = st.integers(1, shape.students)
    by_kind = {
        "open": st.tuples(st.just("open"), student),
        "complete": st.tuples(st.just("complete"), student),
        "design": st.tuples(st.just("design"), st.sampled_from(("certificate", "badge"))),
        "emails": st.tuples(st.just("emails"), st.booleans()),
        "publish_all": st.just(("publish_all",)),
        "replay": st.tuples(st.just("replay"), student),
        "teacher_open": st.just(("teacher_open",)),
        "wait": st.tuples(st.just("wait"), st.integers(1, 4)),
    }
    kinds = ["open", "open", "open", "complete", "complete", "complete", *by_kind]
    event = st.sampled_from(kinds).flatmap(lambda kind: by_kind[kind])
    return st.lists(event, min_size=1, max_size=12)


@dataclass
class Credential:
    approved: bool
    emails: int = 0


@dataclass
class Model:
    """What must be true after each event, from the rules alone."""

    shape: Shape
    credits: int = 0
    day: int = 0
    group_exists: bool = False
    has_design: bool = False
    emails_on: bool = True
    completed: dict[int, int] = field(
        default_factory=dict
    )  # student -> requirements met (in order)
    credentials: dict[int, list[Credential]] = field(default_factory=dict)
    launched: set[int] = field(default_factory=set)
    #: student -> the day of their last launch (the tool's state cookie lives 5 minutes)
    launch_day: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.credits = self.shape.credits

    # -- what decides outcomes ----------------------------------------------------------------
    def launch_works(self) -> bool:
        """R1: a launch completes in a new window, or framed when the tool's cookies get in."""
        return self.shape.new_tab or (self.shape.region == "us" and self.shape.browser == "chrome")

    def criteria_met(self, student: int) -> bool:
        """R4."""
        if self.shape.gate == "unlock":
            return self.day >= 3
        return self.completed.get(student, 0) >= len(self.shape.requirements)

    def _create(self, student: int) -> None:
        approved = self.has_design and self.credits > 0  # R2 (and credits)
        credential = Credential(approved)
        if approved:
            self.credits -= 1
            credential.emails = 1 if self.emails_on else 0  # R3
        self.credentials.setdefault(student, []).append(credential)

    # -- events → steps (actions and the expectations that follow) -----------------------------
    def steps_for(self, event: Event) -> list[dict[str, Any]]:
        """The scenario steps of ``event``, or ``[]`` when it cannot happen now."""
        kind = event[0]
        if kind == "open":
            return self._open(event[1])
        if kind == "complete":
            return self._complete(event[1])
        if kind == "design":
            if not self.group_exists:
                return []
            self.has_design = True
            return [{"assign_design": {"design": event[1]}}, {"expect_group": {"has_design": True}}]
        if kind == "emails":
            if not self.group_exists:
                return []
            self.emails_on = event[1]
            return [{"turn_group_emails_on" if event[1] else "turn_group_emails_off": {}}]
        if kind == "publish_all":
            waiting = sum(1 for creds in self.credentials.values() for c in creds if not c.approved)
            if not (self.group_exists and self.has_design and waiting and self.credits >= waiting):
                return []
            for creds in self.credentials.values():
                for c in creds:
                    if not c.approved:
                        c.approved = True
                        self.credits -= 1
                        c.emails += 1 if self.emails_on else 0
            return [{"publish_credentials": {}}, *self._expect_everyone()]
        if kind == "replay":
            student = event[1]
            if student not in self.launched:
                return []
            alias = f"student{student}"
            # R11: a replay changes nothing. While the state cookie lives the tool refuses the
            # used state; once it has expired (any wait is a day) the cookie no longer comes
            # back, and the tool reads that as cookies kept out of a frame: the new-window
            # page, as pylti1p3 tools answer (found by 1,000 generated scenarios in bench/).
            expired = self.day > self.launch_day[student]
            sees = "open_in_new_window" if expired else "launch_error"
            return [
                {"replay_launch": {"person": alias}},
                {"expect_sees": {"person": alias, "sees": sees}},
                *self._expect(student),
            ]
        if kind == "teacher_open":
            if not self.launch_works():
                return [
                    {"open_item": {"person": "teacher1", "module": "Certificate"}},
                    {"expect_sees": {"person": "teacher1", "sees": "open_in_new_window"}},
                ]
            self.group_exists = True
            return [
                {"open_item": {"person": "teacher1", "module": "Certificate"}},
                {"expect_sees": {"person": "teacher1", "sees": "manage_view"}},  # R9
                {"expect_region": {"region": self.shape.region, "credentials": self._count()}},
            ]
        if kind == "wait":
            self.day += event[1]
            return [{"let_time_pass": {"days": event[1]}}]
        raise ValueError(f"unknown event {event!r}")

    def _open(self, student: int) -> list[dict[str, Any]]:
        alias = f"student{student}"
        steps: list[dict[str, Any]] = [{"open_item": {"person": alias, "module": "Certificate"}}]
        if not self.criteria_met(student):
            return [
                *steps,
                {"expect_sees": {"person": alias, "sees": "lock_explanation"}},
                *self._expect(student),
            ]
        if not self.launch_works():
            return [
                *steps,
                {"expect_sees": {"person": alias, "sees": "open_in_new_window"}},
                *self._expect(student),
            ]
        self.group_exists = True
        self.launched.add(student)
        self.launch_day[student] = self.day
        if not self.credentials.get(student) or self.shape.allow_duplicates:
            self._create(student)
        latest = self.credentials[student][-1 if self.shape.allow_duplicates else 0]
        sees = "credential" if latest.approved else "pending_credential"
        return [*steps, {"expect_sees": {"person": alias, "sees": sees}}, *self._expect(student)]

    def _complete(self, student: int) -> list[dict[str, Any]]:
        done = self.completed.get(student, 0)
        if self.shape.gate not in ("prerequisite", "sequential") or done >= len(
            self.shape.requirements
        ):
            return []
        self.completed[student] = done + 1
        requirement = self.shape.requirements[done]
        module = "Prep" if self.shape.gate == "prerequisite" else "Certificate"
        step: dict[str, Any] = {
            "student": f"student{student}",
            "module": module,
            "item": f"Task {done + 1}",
        }
        if requirement == "min_score":
            step["score"] = 5
        return [{"complete_requirement": step}]

    def _count(self) -> int:
        return sum(len(c) for c in self.credentials.values())

    def _expect(self, student: int) -> list[dict[str, Any]]:
        alias = f"student{student}"
        creds = self.credentials.get(student, [])
        steps: list[dict[str, Any]] = [
            {"expect_credential": {"student": alias, "count": len(creds)}},  # R4, R6
            {"expect_emails": {"to": alias, "count": sum(c.emails for c in creds)}},  # R3
        ]
        if creds and not self.shape.allow_duplicates:
            steps[0]["expect_credential"]["approved"] = creds[0].approved  # R2
        other = "us" if self.shape.region == "eu" else "eu"
        steps.append(
            {"expect_region": {"region": other, "groups": 0, "credentials": 0, "emails": 0}}
        )  # R8
        steps.append(
            {"expect_region": {"region": self.shape.region, "credentials": self._count()}}
        )  # R9
        return steps

    def _expect_everyone(self) -> list[dict[str, Any]]:
        return [step for s in range(1, self.shape.students + 1) for step in self._expect(s)]

    # -- the set-up ---------------------------------------------------------------------------
    def setup_steps(self) -> list[dict[str, Any]]:
        shape = self.shape
        steps: list[dict[str, Any]] = [{"install_app": {}}]
        if shape.gate == "prerequisite":
            steps.append({"add_module": {"module": "Prep"}})
            steps += [self._task("Prep", i, r) for i, r in enumerate(shape.requirements, start=1)]
            steps.append({"add_module": {"module": "Certificate", "prerequisites": ["Prep"]}})
        elif shape.gate == "sequential":
            steps.append(
                {"add_module": {"module": "Certificate", "require_sequential_progress": True}}
            )
            steps += [
                self._task("Certificate", i, r) for i, r in enumerate(shape.requirements, start=1)
            ]
        elif shape.gate == "unlock":
            steps.append({"add_module": {"module": "Certificate", "unlock_in_days": 3}})
        else:
            steps.append({"add_module": {"module": "Certificate"}})
        steps.append({"add_accredible_item": {"module": "Certificate", "new_tab": shape.new_tab}})
        if shape.allow_duplicates or shape.design:
            steps += self.steps_for(("teacher_open",))
            if self.group_exists and shape.allow_duplicates:
                steps.append({"allow_duplicates": {}})
            if self.group_exists and shape.design:
                steps += self.steps_for(("design", shape.design))
        return steps

    @staticmethod
    def _task(module: str, index: int, requirement: str) -> dict[str, Any]:
        task: dict[str, Any] = {
            "module": module,
            "type": _ITEM_KIND[requirement],
            "title": f"Task {index}",
            "requirement": requirement,
        }
        if requirement == "min_score":
            task["min_score"] = 5
        return {"add_item": task}


def build_scenario(
    shape: Shape, sequence: list[Event], seed: int = 0, name: str = "generated"
) -> dict[str, Any]:
    """A scenario in the YAML language: the set-up, then each event with its expectations."""
    model = Model(shape)
    steps = model.setup_steps()
    if shape.allow_duplicates and not model.group_exists:
        model.shape = Shape(
            **{**shape.__dict__, "allow_duplicates": False}
        )  # the group could not be set up
    for event in sequence:
        steps += model.steps_for(event)
    return {
        "name": name,
        "description": f"generated from {shape!r} and events {sequence!r}",
        "seed": seed,
        "issuer": {"region": shape.region, "credits": shape.credits},
        "browser": shape.browser,
        "people": {"teachers": 1, "students": shape.students},
        "steps": steps,
    }


def fuzz(
    fakes: Any,
    *,
    examples: int = 100,
    seed: int = 0,
    save_failures: str | None = None,
    progress: Any = None,
) -> tuple[int, str | None]:
    """Run ``examples`` generated scenarios against ``fakes``; on a failure Hypothesis shrinks it,
    and the smallest failing scenario is written as a replayable YAML file. Answers (examples
    run, the saved file or None)."""
    from pathlib import Path

    import yaml
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed

    from sim.scenario.loader import load_text
    from sim.scenario.runner import run_scenario

    ran = 0
    failing: list[dict[str, Any]] = []

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[Shape, list[Event]]:
        shape = draw(shapes())
        return shape, draw(events(shape))

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(cases())
    def holds(case: tuple[Shape, list[Event]]) -> None:
        nonlocal ran
        ran += 1
        shape, sequence = case
        scenario = build_scenario(
            shape, sequence, seed, name=f"fuzz seed {seed}: generated scenario"
        )
        (loaded,) = load_text(yaml.safe_dump(scenario, sort_keys=False), "<generated>")
        result = run_scenario(fakes, loaded)
        if progress is not None:
            progress(ran, result.status)
        if result.status != "passed":
            failing.append(
                {**scenario, "description": f"{scenario['description']}; failed: {result.message}"}
            )
        assert result.status == "passed", result.message

    try:
        holds()
    except AssertionError:
        smallest = failing[-1]  # Hypothesis replays the shrunk example last
        path = None
        if save_failures:
            folder = Path(save_failures)
            folder.mkdir(parents=True, exist_ok=True)
            path = str(folder / f"fuzz-seed-{seed}.yaml")
            header = "# Found by `casim fuzz`; re-run it with `casim run` (add the same --quirk if one was set).\n"
            Path(path).write_text(
                header + yaml.safe_dump(smallest, sort_keys=False), encoding="utf-8"
            )
        return ran, path or yaml.safe_dump(smallest, sort_keys=False)
    return ran, None
