"""YAML with positions: every mapping, key and list entry remembers its line, so an error in a
scenario names the line a person has to fix."""

from __future__ import annotations

from typing import Any

import yaml

Path_ = tuple[str | int, ...]


class YamlSyntaxError(Exception):
    """The text is not YAML; ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


_constructor = yaml.SafeLoader("")  # only its scalar constructors are used


def load_with_positions(text: str) -> tuple[list[Any], dict[Path_, int]]:
    """Every YAML document in ``text`` and a map from path to 1-based line.

    Paths start with the document index: ``(0, "steps", 2, "create_group", "name")``.
    """
    documents: list[Any] = []
    positions: dict[Path_, int] = {}
    try:
        for node in yaml.compose_all(text, Loader=yaml.SafeLoader):
            if node is not None:
                documents.append(_build(node, (len(documents),), positions))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        column = mark.column + 1 if mark else 1
        problem = exc.problem or str(exc)
        if exc.context:
            problem = f"{problem} ({exc.context})"
        raise YamlSyntaxError(problem, line, column) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), 1, 1) from None
    return documents, positions


def _build(node: yaml.Node, path: Path_, positions: dict[Path_, int]) -> Any:
    positions[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _constructor.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise YamlSyntaxError(
                    "a mapping key must be a plain value", key_node.start_mark.line + 1, 1
                )
            if key == "<<":
                raise YamlSyntaxError(
                    "YAML merge keys (<<) are not supported; use a named sequence instead",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            if key in out:
                raise YamlSyntaxError(
                    f"duplicate key {key!r}",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            child_path = (*path, key)
            out[key] = _build(value_node, child_path, positions)
            positions[child_path] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), positions) for i, item in enumerate(node.value)]
    return _constructor.construct_object(node, deep=True)


def line_of(positions: dict[Path_, int], path: Path_) -> int:
    """The line of ``path``, or of its nearest ancestor that has one."""
    while path:
        if path in positions:
            return positions[path]
        path = path[:-1]
    return 1
