"""The scenario loader: every broken file gets a message naming file, line and field."""

import textwrap

import pytest

from sim.scenario.loader import ScenarioFileError, load_file, load_text

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


LIBRARY = """\
sequences:
  accredible_item:
    params: {module: Certificate, new_tab: null}
    steps:
      - install_app: {}
      - add_module: {module: "${module}"}
      - add_accredible_item: {module: "${module}", new_tab: "${new_tab}"}
  teacher_picks_design:
    params: [kind]
    steps:
      - open_item: {person: teacher1, module: Certificate}
      - choose_design: {kind: "${kind}"}
"""


def test_named_sequences_from_an_included_file_expand_with_their_parameters(tmp_path):
    (tmp_path / "shared.yaml").write_text(LIBRARY)
    (tmp_path / "s.yaml").write_text(
        "include: shared.yaml\nname: uses a sequence\nsteps:\n"
        "  - accredible_item: {new_tab: true}\n  - teacher_picks_design: {kind: badge}\n"
    )
    (scenario,) = load_file(tmp_path / "s.yaml")
    assert [s.name for s in scenario.steps] == [
        "install_app", "add_module", "add_accredible_item", "open_item", "choose_design",
    ]  # fmt: skip
    item = scenario.steps[2]
    assert (item.params.module, item.params.new_tab) == ("Certificate", True)
    assert (item.file, item.line) == (str((tmp_path / "shared.yaml").resolve()), 7), (
        "steps name where they are written"
    )
    assert scenario.steps[4].params.kind == "badge"
    assert load_file(tmp_path / "shared.yaml") == [], "a library file holds no scenarios"


def test_a_matrix_expands_into_named_cases_with_typed_values():
    text = textwrap.dedent(
        """\
        name: the item works
        matrix: {region: [us, eu], new_tab: [true, false]}
        issuer: {region: "${region}"}
        steps:
          - install_app: {}
          - add_module: {module: M}
          - add_accredible_item: {module: M, new_tab: "${new_tab}"}
        """
    )
    cases = load_text(text, "m.yaml")
    assert [c.name for c in cases] == [
        "the item works [region=us, new_tab=True]",
        "the item works [region=us, new_tab=False]",
        "the item works [region=eu, new_tab=True]",
        "the item works [region=eu, new_tab=False]",
    ]
    assert [c.spec.issuer.region for c in cases] == ["us", "us", "eu", "eu"]
    assert cases[1].steps[2].params.new_tab is False


# Each scenario file starts with "include: shared.yaml" on line 1 (the library above).
@pytest.mark.parametrize(
    ("body", "where", "field", "needle"),
    [
        (
            "name: x\nsteps:\n  - accredible_item: {new_tb: true}\n",
            "s.yaml:4",
            "steps[0].accredible_item.new_tb",
            "did you mean `new_tab`",
        ),
        (
            "name: x\nsteps:\n  - accredible_item: {}\n",
            "s.yaml:4",
            "steps[0].accredible_item",
            "needs new_tab",
        ),
        (
            "name: x\nsteps:\n  - acredible_item: {new_tab: true}\n",
            "s.yaml:4",
            "steps[0]",
            "did you mean `accredible_item`",
        ),
        (
            "name: x\nsteps:\n  - teacher_picks_design: {kind: gold}\n",
            "shared.yaml:12",
            "sequences.teacher_picks_design.steps[1].choose_design.kind",
            "'certificate' or 'badge'",
        ),
        (
            "name: x\nmatrix: {region: us}\nsteps: [let_time_pass: {}]\n",
            "s.yaml:3",
            "matrix",
            "non-empty list",
        ),
        (
            "name: x\nissuer: {region: '${regoin}'}\nmatrix: {region: [us]}\nsteps: [let_time_pass: {}]\n",
            "s.yaml:3",
            "issuer.region",
            "did you mean `region`",
        ),
    ],
)
def test_sequence_and_matrix_mistakes_name_file_line_and_field(
    tmp_path, body, where, field, needle
):
    (tmp_path / "shared.yaml").write_text(LIBRARY)
    (tmp_path / "s.yaml").write_text("include: shared.yaml\n" + body)
    with pytest.raises(ScenarioFileError) as caught:
        load_file(tmp_path / "s.yaml")
    problem = caught.value.problems[0]
    assert f"{problem.file.rsplit('/', 1)[-1]}:{problem.line}" == where, str(problem)
    assert problem.field == field, str(problem)
    assert needle in problem.message, str(problem)


def test_an_include_that_cannot_be_read_names_the_include_line(tmp_path):
    (tmp_path / "s.yaml").write_text(
        "name: x\ninclude: [missing.yaml]\nsteps: [let_time_pass: {}]\n"
    )
    with pytest.raises(ScenarioFileError) as caught:
        load_file(tmp_path / "s.yaml")
    problem = caught.value.problems[0]
    assert (problem.line, problem.field) == (2, "include") and "cannot read" in problem.message


def test_a_sequence_that_uses_itself_is_an_error_not_a_hang():
    text = "sequences:\n  loop:\n    steps:\n      - loop: {}\n---\nname: x\nsteps:\n  - loop: {}\n"
    with pytest.raises(ScenarioFileError, match="nest deeper than 8"):
        load_text(text, "loop.yaml")
