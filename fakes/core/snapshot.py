"""Snapshots of a world's state as versioned JSON (safe to upload: no code, only known record
types), for ``/_sim/snapshot`` / ``/_sim/restore`` and ``casim serve --state FILE``.

Records are tagged with their class name and rebuilt only from a registry of known classes;
references back to a backend are dropped and re-attached on load; signing keys are stored by
name. A snapshot whose ``format`` is unknown is refused whole, never half loaded.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any

FORMAT = 1
#: Attributes that are wiring, not state: rebuilt by the constructor, never stored.
_SKIP = {"world", "lock", "_init_args", "_init_kwargs", "backend", "_lock", "clock", "_random"}


class SnapshotError(ValueError):
    """A snapshot that cannot be loaded (the message says why); nothing was changed."""


class Registry:
    """The record classes a snapshot may contain, by name."""

    def __init__(self) -> None:
        self.classes: dict[str, type] = {}

    def add(self, *classes: type) -> None:
        for cls in classes:
            self.classes[cls.__name__] = cls


REGISTRY = Registry()


def encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return {"__dt__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    if isinstance(value, set | frozenset):
        return {"__set__": [encode(v) for v in sorted(value, key=repr)]}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"__items__": [[encode(k), encode(v)] for k, v in value.items()]}
    name = type(value).__name__
    if name == "SigningKey":
        return {"__key__": value.kid}
    if name == "Pattern":
        return {"__re__": value.pattern}
    if name not in REGISTRY.classes:
        raise SnapshotError(f"cannot snapshot a {name}")
    if dataclasses.is_dataclass(value):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    else:
        fields = dict(vars(value))
    return {"__type__": name, **{k: encode(v) for k, v in fields.items() if k not in _SKIP}}


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__dt__" in value:
        return datetime.fromisoformat(value["__dt__"])
    if "__date__" in value:
        return date.fromisoformat(value["__date__"])
    if "__set__" in value:
        return {decode(v) for v in value["__set__"]}
    if "__tuple__" in value:
        return tuple(decode(v) for v in value["__tuple__"])
    if "__items__" in value:
        return {decode(k): decode(v) for k, v in value["__items__"]}
    if "__key__" in value:
        from fakes.core.keys import signing_key

        return signing_key(value["__key__"])
    if "__re__" in value:
        import re

        return re.compile(value["__re__"])
    if "__type__" in value:
        cls = REGISTRY.classes.get(value["__type__"])
        if cls is None:
            raise SnapshotError(f"unknown record type {value['__type__']!r}")
        fields = {k: decode(v) for k, v in value.items() if k != "__type__"}
        if dataclasses.is_dataclass(cls):
            return cls(**fields)
        record = cls.__new__(cls)
        record.__dict__.update(fields)
        if cls.__name__ == "IdSource":  # its lock is wiring (_SKIP), made anew
            record._lock = threading.Lock()
        return record
    return {k: decode(v) for k, v in value.items()}


def dump_backend(backend: Any) -> dict[str, Any]:
    with backend.lock:
        return {k: encode(v) for k, v in vars(backend).items() if k not in _SKIP}


def decode_state(state: dict[str, Any]) -> dict[str, Any]:
    """A backend's state as ``dump_backend`` wrote it, rebuilt (nothing installed yet)."""
    return {k: decode(v) for k, v in state.items()}


def install(backend: Any, state: dict[str, Any]) -> None:
    """Replace ``backend``'s state with decoded ``state``; the LTI helper points back at it."""
    with backend.lock:
        backend.__dict__.update(state)
        if "lti" in state:
            state["lti"].backend = backend


def write_atomically(path: str | Path, text: str) -> None:
    """Write, flush to disk, then rename over the old file: a crash leaves the old or the new."""
    path = Path(path)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def parse(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SnapshotError(f"not a snapshot (bad JSON: {error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise SnapshotError(
            f"snapshot format {found!r} is not supported (this version reads format {FORMAT})"
        )
    if not isinstance(data.get("services"), dict) or not isinstance(data.get("world"), dict):
        raise SnapshotError("a snapshot needs 'world' and 'services'")
    return data
