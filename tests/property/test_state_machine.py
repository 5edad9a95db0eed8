"""A Hypothesis state machine drives the integration through the sim's clients and browsers over
HTTP (in-process; sockets with CASIM_PROPERTY_TRANSPORT=socket) and checks the rules after
every step against the small independent model in ``sim.fuzz``."""

from __future__ import annotations

import os

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from fakes.core.backend import QUIRKS
from sim.fuzz import Model, Shape, build_scenario, shapes
from sim.scenario.loader import LoadedScenario
from sim.scenario.model import ScenarioSpec
from sim.scenario.runner import RunContext
from sim.scenario.steps import STEPS
from sim.transport import start_fakes

TRANSPORT = os.environ.get("CASIM_PROPERTY_TRANSPORT", "inprocess")
_fakes = {}


def fakes():
    if TRANSPORT not in _fakes:
        _fakes[TRANSPORT] = start_fakes(TRANSPORT)  # type: ignore[arg-type]
    return _fakes[TRANSPORT]


class CredentialIntegration(RuleBasedStateMachine):
    """People act on a generated course; after every step the fakes must agree with the model."""

    @initialize(shape=shapes(), seed=st.integers(0, 2**16))
    def set_up(self, shape, seed):
        self.model = Model(shape)
        spec = ScenarioSpec.model_validate(
            {**build_scenario(shape, [], seed), "steps": [{"let_time_pass": {}}]}
        )
        self.ctx = RunContext(fakes(), LoadedScenario(spec, (), "state-machine", 1), seed)
        self.ctx.build_world(self.ctx_scenario(spec))
        self._run(self.model.setup_steps())

    @staticmethod
    def ctx_scenario(spec):
        return LoadedScenario(spec, (), "state-machine", 1)

    def _run(self, steps):
        for item in steps:
            ((name, params),) = item.items()
            definition = STEPS[name]
            if (
                name not in ("install_app", "add_module", "add_item", "add_accredible_item")
                and self.ctx.publish_later
            ):
                self.ctx.publish_pending_modules()
            definition.run(self.ctx, definition.params.model_validate(params))

    def _event(self, *event):
        self._run(self.model.steps_for(event))

    @rule(student=st.integers(1, 2))
    def student_opens_the_item(self, student):
        self._event("open", min(student, self.model.shape.students))

    @rule(student=st.integers(1, 2))
    def student_completes_a_requirement(self, student):
        self._event("complete", min(student, self.model.shape.students))

    @rule(kind=st.sampled_from(["certificate", "badge"]))
    def issuer_assigns_a_design(self, kind):
        self._event("design", kind)

    @rule(on=st.booleans())
    def issuer_switches_group_emails(self, on):
        self._event("emails", on)

    @rule()
    def issuer_publishes_waiting_credentials(self):
        self._event("publish_all")

    @rule(student=st.integers(1, 2))
    def student_replays_the_launch(self, student):
        self._event("replay", min(student, self.model.shape.students))

    @rule()
    def teacher_opens_the_item(self):
        self._event("teacher_open")

    @precondition(lambda self: self.model.shape.gate == "unlock")
    @rule(days=st.integers(1, 3))
    def time_passes(self, days):
        self._event("wait", days)

    @invariant()
    def nothing_crosses_regions(self):  # R8
        other = "us" if self.model.shape.region == "eu" else "eu"
        summary = self.ctx.control(f"accredible-{other}").summary()
        assert (summary["groups"], summary["credentials"], summary["emails"]) == (0, 0, 0)

    @invariant()
    def credentials_and_emails_match_the_model(self):  # R2, R3, R4, R6, R9
        summary = self.ctx.control(self.ctx.accredible_service).summary()
        expected = sum(len(c) for c in self.model.credentials.values())
        emails = sum(c.emails for creds in self.model.credentials.values() for c in creds)
        published = sum(c.approved for creds in self.model.credentials.values() for c in creds)
        assert (summary["credentials"], summary["published"], summary["emails"]) == (
            expected,
            published,
            emails,
        )

    def teardown(self):
        if hasattr(self, "ctx"):
            self.ctx.close()


TestCredentialIntegration = CredentialIntegration.TestCase


def fixed_course(shape: Shape) -> type[CredentialIntegration]:
    """The same machine on one fixed course: the search and the shrinking are then over what
    people do, which keeps a deliberate-break run short."""

    class FixedCourse(CredentialIntegration):
        @initialize(shape=st.just(shape), seed=st.just(1))
        def set_up(self, shape, seed):
            CredentialIntegration.set_up(self, shape, seed)

    return FixedCourse


GATED = Shape("us", True, "chrome", "unlock", (), 1, 3, False, "certificate")
OPEN = Shape("eu", True, "chrome", "none", (), 1, 3, False, None)


@pytest.mark.parametrize(
    ("quirk", "shape"),
    [("ignore_gating", GATED), ("teachers_get_credentials", OPEN), ("replay_accepted", OPEN)],
)
def test_the_state_machine_catches_a_broken_rule_and_shrinks_it(quirk, shape):
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import run_state_machine_as_test

    fakes().client("canvas").post("/_sim/quirks", json={"set": [quirk]}).raise_for_status()
    try:
        with pytest.raises(AssertionError) as caught:
            run_state_machine_as_test(
                fixed_course(shape),
                settings=settings(max_examples=100, stateful_step_count=6, derandomize=True, database=None,
                                  deadline=None, suppress_health_check=list(HealthCheck)),
            )  # fmt: skip
    finally:
        fakes().client("canvas").post("/_sim/quirks", json={"set": []}).raise_for_status()
    steps = [
        line
        for line in "\n".join(getattr(caught.value, "__notes__", [])).splitlines()
        if line.startswith("state.")
        and "(" in line
        and "set_up" not in line
        and "teardown" not in line
        and "_model" not in line
        and "regions" not in line
    ]
    assert len(steps) <= 4, steps  # the set-up alone may already show the break
    assert quirk in QUIRKS
