"""Load scenario files: YAML → validated scenarios, or errors that name file, line and field."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.scenario.model import PeopleSpec, ScenarioSpec
from sim.scenario.steps import STEPS
from sim.scenario.yamlpos import Path_, YamlSyntaxError, line_of, load_with_positions

SCENARIO_SUFFIXES = (".yaml", ".yml")
#: Step parameters that name a person.
PERSON_FIELDS = ("student", "as", "to", "teacher", "person")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a scenario file."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ScenarioFileError(Exception):
    """A scenario file that cannot be run; ``problems`` lists every mistake found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class BoundStep:
    """A step of a loaded scenario: its name, validated parameters and line."""

    name: str
    params: BaseModel
    line: int


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario ready to run."""

    spec: ScenarioSpec
    steps: tuple[BoundStep, ...]
    file: str
    line: int

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def seed(self) -> int:
        return self.spec.seed


def load_file(path: str | Path) -> list[LoadedScenario]:
    """Every scenario in ``path``; :class:`ScenarioFileError` lists all problems found."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioFileError(
            [Problem(str(path), 1, "", f"cannot read the file: {exc.strerror}")]
        ) from None
    except UnicodeDecodeError:
        raise ScenarioFileError([Problem(str(path), 1, "", "the file is not UTF-8 text")]) from None
    return load_text(text, str(path))


def load_text(text: str, file: str = "<scenario>") -> list[LoadedScenario]:
    """Every scenario in YAML ``text`` (``file`` names it in errors)."""
    try:
        documents, positions = load_with_positions(text)
    except YamlSyntaxError as exc:
        raise ScenarioFileError(
            [Problem(file, exc.line, "", f"YAML syntax error: {exc.message}")]
        ) from None
    raws: list[tuple[Path_, Any]] = []
    for d, doc in enumerate(documents):
        if isinstance(doc, list):
            raws.extend(((d, i), item) for i, item in enumerate(doc))
        else:
            raws.append(((d,), doc))
    if not raws:
        raise ScenarioFileError([Problem(file, 1, "", "the file holds no scenario")])
    problems: list[Problem] = []
    loaded: list[LoadedScenario] = []
    for base, raw in raws:
        scenario = _load_one(raw, base, positions, file, problems)
        if scenario is not None:
            loaded.append(scenario)
    names = [s.name for s in loaded]
    for s in loaded:
        if names.count(s.name) > 1:
            problems.append(Problem(file, s.line, "name", f"two scenarios are named {s.name!r}"))
            break
    if problems:
        raise ScenarioFileError(problems)
    return loaded


def _load_one(
    raw: Any, base: Path_, positions: dict[Path_, int], file: str, problems: list[Problem]
) -> LoadedScenario | None:
    line = line_of(positions, base)
    if not isinstance(raw, dict):
        problems.append(Problem(file, line, "", "a scenario must be a mapping with name and steps"))
        return None
    before = len(problems)
    spec: ScenarioSpec | None = None
    try:
        spec = ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, base, positions, file, ScenarioSpec))
    steps: list[BoundStep] = []
    aliases = _aliases(raw.get("people"))
    for i, item in enumerate(raw.get("steps") or [] if isinstance(raw.get("steps"), list) else []):
        bound = _bind_step(item, (*base, "steps", i), positions, file, problems, aliases)
        if bound is not None:
            steps.append(bound)
    if spec is None or len(problems) > before:
        return None
    return LoadedScenario(spec, tuple(steps), file, line)


def _bind_step(
    item: Any,
    path: Path_,
    positions: dict[Path_, int],
    file: str,
    problems: list[Problem],
    aliases: set[str] | None,
) -> BoundStep | None:
    line = line_of(positions, path)
    where = _field_name(path[path.index("steps") :])
    if isinstance(item, str):
        item = {item: None}
    if not isinstance(item, dict) or len(item) != 1:
        problems.append(
            Problem(file, line, where, "a step is a mapping with exactly one key, the step's name")
        )
        return None
    ((name, value),) = item.items()
    definition = STEPS.get(name)
    if definition is None:
        problems.append(
            Problem(file, line, where, f"unknown step `{name}`{_suggest(str(name), STEPS)}")
        )
        return None
    if value is None:
        value = {}
    if not isinstance(value, dict):
        problems.append(
            Problem(file, line, f"{where}.{name}", f"the parameters of `{name}` must be a mapping")
        )
        return None
    try:
        params = definition.params.model_validate(value)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, (*path, name), positions, file, definition.params))
        return None
    if aliases is not None:
        for key in PERSON_FIELDS:
            who = value.get(key)
            if isinstance(who, str) and who not in aliases:
                problems.append(
                    Problem(
                        file,
                        line_of(positions, (*path, name, key)),
                        f"{where}.{name}.{key}",
                        f"unknown person `{who}`{_suggest(who, aliases)} (people are: "
                        f"{', '.join(sorted(aliases))})",
                    )
                )
                return None
    return BoundStep(name, params, line)


def _pydantic_problems(
    exc: ValidationError,
    base: Path_,
    positions: dict[Path_, int],
    file: str,
    model: type[BaseModel],
) -> Iterator[Problem]:
    merged: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        # A union reports once per member ("int", "list[str]"): fold those into one problem.
        if (
            len(loc) > 1
            and isinstance(loc[-1], str)
            and loc[-1] not in _field_names(model, loc[:-1])
        ):
            loc = loc[:-1]
        merged.setdefault(loc, []).append(error)
    for loc, errors in merged.items():
        error = errors[0]
        path = (*base, *loc)
        field = _field_name(path[_first_key(base) :])
        if error["type"] == "extra_forbidden":
            known = _field_names(model, loc[:-1])
            message = f"unknown field `{loc[-1]}`{_suggest(str(loc[-1]), known)}"
        elif error["type"] == "missing":
            message = "this field is required"
            path = path[:-1]
        else:
            reasons = " or ".join(
                dict.fromkeys(e["msg"].removeprefix("Input should be ") for e in errors)
            )
            message = f"should be {reasons} (got {error.get('input')!r})"
        yield Problem(file, line_of(positions, path), field, message)


def _field_names(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    return [f.alias or n for n, f in _model_at(model, loc).model_fields.items()]


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel]:
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = getattr(field, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    return model


def _first_key(path: Path_) -> int:
    for i, part in enumerate(path):
        if isinstance(part, str):
            return i
    return len(path)


def _field_name(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


def _aliases(raw_people: Any) -> set[str] | None:
    """The people a scenario defines, or ``None`` if its people block is itself invalid."""
    try:
        people = PeopleSpec.model_validate(raw_people or {})
    except ValidationError:
        return None
    return set(roster(people))


def roster(people: PeopleSpec) -> dict[str, str]:
    """Alias → role for everyone in ``people`` (``student1``.. or the names given)."""
    out: dict[str, str] = {}
    for role, spec in (
        ("admin", people.admins),
        ("teacher", people.teachers),
        ("ta", people.tas),
        ("student", people.students),
        ("observer", people.observers),
    ):
        names = spec if isinstance(spec, list) else [f"{role}{i}" for i in range(1, spec + 1)]
        for name in names:
            out[name] = role
    return out


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Scenario files under ``paths`` (files as given, directories searched), sorted."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*")) if p.suffix in SCENARIO_SUFFIXES and p.is_file()
            )
        elif path.exists():
            found.append(path)
        else:
            raise ScenarioFileError([Problem(str(path), 1, "", "no such file or directory")])
    return found
