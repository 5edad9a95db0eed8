"""Faults on demand: rules, matched by method and path, that make a fake answer slowly, answer an
error in the real service's words, reset the connection, act and then drop the answer, or time
out. Set through ``POST /_sim/faults``; the fakes' own calls to each other (the tool fetching
the platform's keys) pass through the same rules, since they are HTTP requests too.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

ACTIONS = ("status", "latency", "reset", "drop", "timeout")


class InjectedStatus(Exception):
    """A fault rule's error status: each service renders it in its own words."""

    def __init__(self, status: int) -> None:
        super().__init__(f"injected {status}")
        self.status = status


class ConnectionDropped(ConnectionResetError):
    """The connection is cut: before the fake acted (``reset``) or after (``drop``)."""

    def __init__(self, action: str, acted: bool) -> None:
        super().__init__(f"{action}: the fake cut the connection{' after acting' if acted else ''}")
        self.action = action
        self.acted = acted


class FaultTimeout(TimeoutError):
    """The fake never answers (in-process: raised at once instead of waiting)."""


@dataclass
class FaultRule:
    """One rule. ``path`` is a regular expression searched in the request path."""

    id: int
    action: str
    path: str = ""
    method: str | None = None
    status: int = 500
    seconds: float = 1.0
    probability: float = 1.0
    times: int | None = None  # None: until removed
    fired: int = 0
    _pattern: re.Pattern[str] = field(default=re.compile(""), repr=False)

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return bool(self._pattern.search(path))

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id, "action": self.action, "path": self.path, "method": self.method,
            "status": self.status, "seconds": self.seconds, "probability": self.probability,
            "times": self.times, "fired": self.fired,
        }  # fmt: skip


class FaultRules:
    """The rules of one fake, with a seeded random source for ``probability``."""

    def __init__(self, seed: int = 0) -> None:
        self.rules: list[FaultRule] = []
        self._next = 1
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def add(self, spec: dict[str, Any]) -> FaultRule:
        action = spec.get("action")
        if action not in ACTIONS:
            raise ValueError(f"'action' must be one of {', '.join(ACTIONS)}")
        path = str(spec.get("path", ""))
        try:
            pattern = re.compile(path)
        except re.error as error:
            raise ValueError(f"'path' is not a regular expression: {error}") from None
        status = int(spec.get("status", 500))
        if action == "status" and not 400 <= status <= 599:
            raise ValueError("'status' must be an error status, 400 to 599")
        probability = float(spec.get("probability", 1.0))
        if not 0 < probability <= 1:
            raise ValueError("'probability' must be above 0 and at most 1")
        times = spec.get("times")
        if times is not None and (not isinstance(times, int) or times < 1):
            raise ValueError("'times' must be a positive integer (or absent: until removed)")
        seconds = float(spec.get("seconds", 1.0))
        if seconds < 0:
            raise ValueError("'seconds' must not be negative")
        with self._lock:
            rule = FaultRule(
                self._next,
                action,
                path,
                spec.get("method"),
                status,
                seconds,
                probability,
                times,
                0,
                pattern,
            )
            self._next += 1
            self.rules.append(rule)
        return rule

    def clear(self, rule_id: int | None = None) -> None:
        with self._lock:
            self.rules = [r for r in self.rules if rule_id is not None and r.id != rule_id]

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The first rule that fires for this request (counting it), or None."""
        with self._lock:
            for rule in self.rules:
                if not rule.matches(method, path):
                    continue
                if rule.probability < 1 and self._random.random() >= rule.probability:
                    continue
                rule.fired += 1
                if rule.times is not None and rule.fired >= rule.times:
                    self.rules.remove(rule)
                return rule
        return None
