"""The scenario loader: every broken file gets a message naming file, line and field."""

import textwrap

import pytest

from sim.scenario.loader import ScenarioFileError, load_text

# (file text, expected line, expected field, text the message must contain)
BROKEN = [
    ("name: x\nsteps: [a: {b: 1}\n", 3, "", "YAML syntax error"),
    ("name: x\nsteps:\n  - expect_iten: {}\n", 3, "steps[0]", "did you mean `expect_item`"),
    ("name: x\nsteps:\n  - add_modul: {module: M}\n", 3, "steps[0]", "did you mean `add_module`"),
    ("name: x\nseed: abc\nsteps: [let_time_pass: {}]\n", 2, "seed", "valid integer"),
    (
        "name: x\nissuer: {region: mars}\nsteps: [let_time_pass: {}]\n",
        2,
        "issuer.region",
        "'us' or 'eu'",
    ),
    (
        "name: x\nsteps:\n  - create_group:\n      group: g\n      desing: badge\n",
        5,
        "steps[0].create_group.desing",
        "did you mean `design`",
    ),
    (
        "name: x\nsteps:\n  - create_group: {group: g}\n  - issue_credential:\n      group: g\n"
        "      student: studnt1\n",
        6,
        "steps[1].issue_credential.student",
        "unknown person `studnt1`; did you mean `student1`",
    ),
    (
        "name: x\nsteps:\n  - let_time_pass: {days: -1}\n",
        3,
        "steps[0].let_time_pass.days",
        "greater",
    ),
    (
        "name: x\nsteps:\n  - expect_emails: {to: student1}\n",
        3,
        "steps[0].expect_emails.count",
        "required",
    ),
    ("name: x\nsteps:\n  - expect_emails: 3\n", 3, "steps[0].expect_emails", "must be a mapping"),
    ("name: x\nsteps:\n  - {a: 1, b: 2}\n", 3, "steps[0]", "exactly one key"),
    ("name: x\nsteps: []\n", 2, "steps", "at least 1"),
    ("steps: [let_time_pass: {}]\n", 1, "name", "required"),
    ("name: x\nname: y\nsteps: [let_time_pass: {}]\n", 2, "", "duplicate key 'name'"),
    ("name: x\nrules: [R12]\nsteps: [let_time_pass: {}]\n", 2, "rules[0]", "'R1'"),
    ("name: x\nsteps: [let_time_pass: {}]\nmodules: 3\n", 3, "modules", "unknown field `modules`"),
    ("- just a string\n", 1, "", "must be a mapping"),
    ("", 1, "", "holds no scenario"),
]


@pytest.mark.parametrize(("text", "line", "field", "needle"), BROKEN)
def test_every_broken_file_names_file_line_and_field(text, line, field, needle):
    with pytest.raises(ScenarioFileError) as caught:
        load_text(text, "suite/broken.yaml")
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.field) == ("suite/broken.yaml", line, field), str(
        problem
    )
    assert needle in problem.message
    assert str(problem).startswith(f"suite/broken.yaml:{line}: ")


def test_all_problems_of_a_file_are_reported_together():
    text = textwrap.dedent(
        """\
        name: x
        steps:
          - open_iten: {}
          - create_group: {group: g, design: gold}
        """
    )
    with pytest.raises(ScenarioFileError) as caught:
        load_text(text, "f.yaml")
    assert [p.line for p in caught.value.problems] == [3, 4]


def test_a_file_may_hold_a_list_of_scenarios_each_with_its_line():
    text = textwrap.dedent(
        """\
        - name: first
          steps: [let_time_pass: {days: 1}]

        - name: second
          seed: 9
          people: {students: [alice, bob]}
          steps:
            - create_group: {group: g}
            - issue_credential: {student: bob, group: g}
        """
    )
    first, second = load_text(text, "many.yaml")
    assert (first.name, first.line, second.name, second.line, second.seed) == (
        "first",
        1,
        "second",
        4,
        9,
    )
    assert [s.line for s in second.steps] == [8, 9]


def test_two_scenarios_with_one_name_are_refused():
    text = "- name: a\n  steps: [let_time_pass: {}]\n- name: a\n  steps: [let_time_pass: {}]\n"
    with pytest.raises(ScenarioFileError, match="two scenarios are named 'a'"):
        load_text(text, "dup.yaml")
