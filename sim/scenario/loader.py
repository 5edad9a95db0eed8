"""Load scenario files: YAML → validated scenarios, or errors that name file, line and field."""

from __future__ import annotations

import difflib
import itertools
import re
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
    """A step of a loaded scenario: its name, validated parameters, and where it is written
    (a step that came from a named sequence names the sequence's file and line)."""

    name: str
    params: BaseModel
    line: int
    file: str = ""


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


@dataclass
class Sequence:
    """A named step sequence (``sequences:`` in a scenario or an included file)."""

    name: str
    params: dict[str, Any]  # name -> default (REQUIRED when it must be given)
    steps: list[Any]
    file: str
    path: Path_
    positions: dict[Path_, int]


REQUIRED = object()
_VAR = re.compile(r"\$\{(\w+)\}")
#: How deep named sequences may use each other (a loop is an error, not a hang).
MAX_DEPTH = 8


def load_file(path: str | Path) -> list[LoadedScenario]:
    """Every scenario in ``path``; :class:`ScenarioFileError` lists all problems found.
    A file holding only ``sequences`` (and ``include``) is a library: it has no scenarios."""
    path = Path(path)
    text = _read(path, [])
    return _Loader().load(text, str(path), base_dir=path.parent)


def load_text(
    text: str, file: str = "<scenario>", *, base_dir: Path | None = None
) -> list[LoadedScenario]:
    """Every scenario in YAML ``text`` (``file`` names it in errors; includes resolve from
    ``base_dir``, the current directory by default)."""
    return _Loader().load(text, file, base_dir=base_dir or Path("."))


def _read(path: Path, problems: list[Problem], *, at: tuple[str, int] | None = None) -> str:
    file, line = at or (str(path), 1)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        problem = Problem(
            file, line, "include" if at else "", f"cannot read {path}: {exc.strerror}"
        )
    except UnicodeDecodeError:
        problem = Problem(file, line, "include" if at else "", f"{path} is not UTF-8 text")
    if at is None:
        raise ScenarioFileError([problem])
    problems.append(problem)
    return ""


class _Loader:
    """Loads one scenario file with its includes and sequences."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.sequences: dict[str, Sequence] = {}
        self.included: set[Path] = set()

    def load(self, text: str, file: str, *, base_dir: Path) -> list[LoadedScenario]:
        try:
            documents, positions = load_with_positions(text)
        except YamlSyntaxError as exc:
            raise ScenarioFileError(
                [Problem(file, exc.line, "", f"YAML syntax error: {exc.message}")]
            ) from None
        raws: list[tuple[Path_, Any]] = []
        library = False
        for d, doc in enumerate(documents):
            if isinstance(doc, list):
                raws.extend(((d, i), item) for i, item in enumerate(doc))
                continue
            if isinstance(doc, dict):
                self._read_library(doc, (d,), positions, file, base_dir)
                if (
                    "name" not in doc
                    and "steps" not in doc
                    and ("sequences" in doc or "include" in doc)
                ):
                    library = True
                    continue
            raws.append(((d,), doc))
        if not raws and not library:
            raise ScenarioFileError([Problem(file, 1, "", "the file holds no scenario")])
        loaded: list[LoadedScenario] = []
        for base, raw in raws:
            loaded.extend(self._load_one(raw, base, positions, file, base_dir))
        names = [s.name for s in loaded]
        for s in loaded:
            if names.count(s.name) > 1:
                self.problems.append(
                    Problem(file, s.line, "name", f"two scenarios are named {s.name!r}")
                )
                break
        if self.problems:
            raise ScenarioFileError(self.problems)
        return loaded

    # -- includes and sequences ---------------------------------------------------------------
    def _read_library(
        self,
        doc: dict[str, Any],
        base: Path_,
        positions: dict[Path_, int],
        file: str,
        base_dir: Path,
    ) -> None:
        includes = doc.get("include", [])
        if isinstance(includes, str):
            includes = [includes]
        if not isinstance(includes, list):
            self.problems.append(
                Problem(
                    file,
                    line_of(positions, (*base, "include")),
                    "include",
                    "give a file or a list of files",
                )
            )
            includes = []
        for i, name in enumerate(includes):
            at = (file, line_of(positions, (*base, "include", i)))
            target = (base_dir / str(name)).resolve()
            if target in self.included:
                continue
            self.included.add(target)
            text = _read(target, self.problems, at=at)
            if not text:
                continue
            try:
                documents, inner = load_with_positions(text)
            except YamlSyntaxError as exc:
                self.problems.append(
                    Problem(str(target), exc.line, "", f"YAML syntax error: {exc.message}")
                )
                continue
            for d, included in enumerate(documents):
                if isinstance(included, dict):
                    unexpected = set(included) - {"include", "sequences"}
                    if unexpected:
                        self.problems.append(
                            Problem(str(target), line_of(inner, (d,)), ", ".join(sorted(unexpected)),
                                    "an included file holds only include and sequences")
                        )  # fmt: skip
                    self._read_library(included, (d,), inner, str(target), target.parent)
        sequences = doc.get("sequences", {})
        if not isinstance(sequences, dict):
            self.problems.append(
                Problem(
                    file,
                    line_of(positions, (*base, "sequences")),
                    "sequences",
                    "a mapping of name to {params, steps}",
                )
            )
            return
        for name, body in sequences.items():
            path = (*base, "sequences", name)
            line = line_of(positions, path)
            if name in STEPS:
                self.problems.append(
                    Problem(
                        file,
                        line,
                        f"sequences.{name}",
                        f"`{name}` is a built-in step; name the sequence differently",
                    )
                )
                continue
            if not isinstance(body, dict) or not isinstance(body.get("steps"), list):
                self.problems.append(
                    Problem(
                        file,
                        line,
                        f"sequences.{name}",
                        "a sequence is {params: {...}, steps: [...]}",
                    )
                )
                continue
            raw_params = body.get("params") or {}
            if isinstance(raw_params, list):
                params = dict.fromkeys((str(p) for p in raw_params), REQUIRED)
            elif isinstance(raw_params, dict):
                params = {str(k): (REQUIRED if v is None else v) for k, v in raw_params.items()}
            else:
                self.problems.append(
                    Problem(
                        file,
                        line,
                        f"sequences.{name}.params",
                        "params is a list of names or a mapping of defaults",
                    )
                )
                continue
            self.sequences[str(name)] = Sequence(
                str(name), params, body["steps"], file, (*path, "steps"), positions
            )

    # -- scenarios ----------------------------------------------------------------------------
    def _load_one(
        self, raw: Any, base: Path_, positions: dict[Path_, int], file: str, base_dir: Path
    ) -> list[LoadedScenario]:
        line = line_of(positions, base)
        if not isinstance(raw, dict):
            self.problems.append(
                Problem(file, line, "", "a scenario must be a mapping with name and steps")
            )
            return []
        raw = {k: v for k, v in raw.items() if k not in ("include", "sequences")}
        matrix = raw.pop("matrix", None)
        variants: list[dict[str, Any]] = [{}]
        if (
            isinstance(matrix, list)
            and matrix
            and all(isinstance(row, dict) and row for row in matrix)
        ):
            variants = [
                dict(row) for row in matrix
            ]  # explicit rows: [{region: us, new_tab: false}, ...]
        elif matrix is not None:
            if (
                not isinstance(matrix, dict)
                or not matrix
                or not all(isinstance(v, list) and v for v in matrix.values())
            ):
                self.problems.append(
                    Problem(
                        file,
                        line_of(positions, (*base, "matrix")),
                        "matrix",
                        "give each variable a non-empty list, e.g. {region: [us, eu]}, "
                        "or a list of rows, e.g. [{region: us}, {region: eu}]",
                    )
                )
                return []
            variants = [
                dict(zip(matrix, combo, strict=True))
                for combo in itertools.product(*matrix.values())
            ]
        out = []
        for variables in variants:
            concrete = self._substitute(raw, variables, base, positions, file)
            if variables and isinstance(concrete.get("name"), str):
                concrete["name"] = (
                    f"{concrete['name']} [{', '.join(f'{k}={v}' for k, v in variables.items())}]"
                )
            scenario = self._validate(concrete, base, positions, file)
            if scenario is not None:
                out.append(scenario)
        return out

    def _validate(
        self, raw: dict[str, Any], base: Path_, positions: dict[Path_, int], file: str
    ) -> LoadedScenario | None:
        before = len(self.problems)
        spec: ScenarioSpec | None = None
        try:
            spec = ScenarioSpec.model_validate(raw)
        except ValidationError as exc:
            self.problems.extend(_pydantic_problems(exc, base, positions, file, ScenarioSpec))
        aliases = _aliases(raw.get("people"))
        steps = raw.get("steps") if isinstance(raw.get("steps"), list) else []
        bound = self._bind_steps(steps, (*base, "steps"), positions, file, aliases, depth=0)
        if spec is None or len(self.problems) > before:
            return None
        return LoadedScenario(spec, tuple(bound), file, line_of(positions, base))

    def _substitute(
        self,
        value: Any,
        variables: dict[str, Any],
        path: Path_,
        positions: dict[Path_, int],
        file: str,
    ) -> Any:
        """``${name}`` → the variable's value (a whole-string reference keeps its type)."""
        if isinstance(value, dict):
            return {
                k: self._substitute(v, variables, (*path, k), positions, file)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [
                self._substitute(v, variables, (*path, i), positions, file)
                for i, v in enumerate(value)
            ]
        if not isinstance(value, str) or "${" not in value:
            return value
        whole = _VAR.fullmatch(value)
        if whole and whole.group(1) in variables:
            return variables[whole.group(1)]

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in variables:
                known = ", ".join(sorted(variables)) or "none here"
                self.problems.append(
                    Problem(file, line_of(positions, path), _field_name(path[_first_key(path):]),
                            f"unknown variable ${{{name}}}{_suggest(name, variables)} (variables: {known})")
                )  # fmt: skip
                return match.group(0)
            return str(variables[name])

        return _VAR.sub(replace, value)

    def _bind_steps(
        self,
        items: list[Any],
        path: Path_,
        positions: dict[Path_, int],
        file: str,
        aliases: set[str] | None,
        *,
        depth: int,
    ) -> list[BoundStep]:
        out: list[BoundStep] = []
        for i, item in enumerate(items):
            step_path = (*path, i)
            line = line_of(positions, step_path)
            where = _field_name(step_path[_first_key(step_path) :])
            if isinstance(item, str):
                item = {item: None}
            if not isinstance(item, dict) or len(item) != 1:
                self.problems.append(
                    Problem(
                        file,
                        line,
                        where,
                        "a step is a mapping with exactly one key, the step's name",
                    )
                )
                continue
            ((name, value),) = item.items()
            sequence = self.sequences.get(str(name))
            if sequence is not None:
                out.extend(
                    self._expand(
                        sequence, value, (*step_path, name), positions, file, aliases, depth
                    )
                )
                continue
            bound = _bind_step(
                str(name),
                value,
                step_path,
                positions,
                file,
                self.problems,
                aliases,
                list(self.sequences),
            )
            if bound is not None:
                out.append(bound)
        return out

    def _expand(
        self,
        sequence: Sequence,
        args: Any,
        path: Path_,
        positions: dict[Path_, int],
        file: str,
        aliases: set[str] | None,
        depth: int,
    ) -> list[BoundStep]:
        line = line_of(positions, path)
        where = _field_name(path[_first_key(path) :])
        if depth >= MAX_DEPTH:
            self.problems.append(
                Problem(
                    file,
                    line,
                    where,
                    f"sequences nest deeper than {MAX_DEPTH}: does `{sequence.name}` use itself?",
                )
            )
            return []
        args = {} if args is None else args
        if not isinstance(args, dict):
            self.problems.append(
                Problem(file, line, where, f"the parameters of `{sequence.name}` must be a mapping")
            )
            return []
        for key in args:
            if key not in sequence.params:
                self.problems.append(
                    Problem(file, line_of(positions, (*path, key)), f"{where}.{key}",
                            f"`{sequence.name}` has no parameter `{key}`{_suggest(str(key), sequence.params)} "
                            f"(it takes: {', '.join(sequence.params) or 'none'})")
                )  # fmt: skip
        missing = [k for k, v in sequence.params.items() if v is REQUIRED and k not in args]
        if missing:
            self.problems.append(
                Problem(file, line, where, f"`{sequence.name}` needs {', '.join(missing)}")
            )
            return []
        variables = {**{k: v for k, v in sequence.params.items() if v is not REQUIRED}, **args}
        steps = self._substitute(
            sequence.steps, variables, sequence.path, sequence.positions, sequence.file
        )
        return self._bind_steps(
            steps, sequence.path, sequence.positions, sequence.file, aliases, depth=depth + 1
        )


def _bind_step(
    name: str,
    value: Any,
    path: Path_,
    positions: dict[Path_, int],
    file: str,
    problems: list[Problem],
    aliases: set[str] | None,
    sequences: list[str],
) -> BoundStep | None:
    line = line_of(positions, path)
    where = _field_name(path[_first_key(path) :])
    definition = STEPS.get(name)
    if definition is None:
        problems.append(
            Problem(
                file, line, where, f"unknown step `{name}`{_suggest(name, [*STEPS, *sequences])}"
            )
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
                    Problem(file, line_of(positions, (*path, name, key)), f"{where}.{name}.{key}",
                            f"unknown person `{who}`{_suggest(who, aliases)} (people are: {', '.join(sorted(aliases))})")
                )  # fmt: skip
                return None
    return BoundStep(name, params, line, file)


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
