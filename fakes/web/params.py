"""Rails-style parameters: ``module[name]=X&include[]=items`` as nested dicts and lists.

Canvas (a Rails app) reads form bodies, query strings and JSON bodies into one parameter
tree; canvasapi sends forms, other clients JSON. Both end up in the same shape here.
"""

from __future__ import annotations

import re
from typing import Any

_KEY = re.compile(r"([^\[\]]+)|\[([^\[\]]*)\]")

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "on", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "off", "0", ""})


def parse_rails_params(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Nest ``a[b][c]=v`` and ``a[]=v`` pairs into dicts and lists (later values win)."""
    root: dict[str, Any] = {}
    for name, value in pairs:
        parts = [m.group(1) if m.group(1) is not None else m.group(2) for m in _KEY.finditer(name)]
        if not parts:
            continue
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt = None if last else parts[i + 1]
            if isinstance(node, list):
                # "a[][b]" style: start a new element when the key repeats.
                if not node or not isinstance(node[-1], dict) or part in node[-1]:
                    node.append({})
                node = node[-1]
            if last:
                if part == "":
                    continue
                node[part] = value
            elif nxt == "":
                lst = node.get(part)
                if not isinstance(lst, list):
                    lst = node[part] = []
                if i + 1 == len(parts) - 1:
                    lst.append(value)
                    break
                node = lst
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
    return root


def to_bool(value: Any) -> bool | None:
    """Canvas booleans: true/false, t/f, yes/no, y/n, on/off, 1/0 (``None`` if not one)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        low = value.strip().lower()
        if low in TRUE_WORDS:
            return True
        if low in FALSE_WORDS:
            return False
    return None
