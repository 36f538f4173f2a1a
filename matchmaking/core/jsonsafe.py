"""Parse JSON from outside (API bodies, import files) without letting its shape hurt us.

``json.loads`` recurses once per nesting level: a body of ``[[[[…]]]]`` a hundred thousand
levels deep raises ``RecursionError`` (a 500), and anything that walks the result recursively
afterwards can fail the same way. ``loads`` refuses documents nested deeper than
``JSON_MAX_DEPTH`` (32 by default; no real document of ours comes close) with ``JSONTooDeep``,
a ``ValueError``, so callers report it like any other malformed JSON.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings


class JSONTooDeep(ValueError):
    def __init__(self, limit: int):
        super().__init__(f"nested too deeply (more than {limit} levels)")
        self.limit = limit


def max_depth() -> int:
    return getattr(settings, "JSON_MAX_DEPTH", 32)


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` holds containers nested more than ``limit`` levels (iterative)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def loads(text: str | bytes, *, limit: int | None = None, **kwargs) -> Any:
    """``json.loads`` that raises ``JSONTooDeep`` instead of recursing without bound."""
    limit = max_depth() if limit is None else limit
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise JSONTooDeep(limit) from None
    if depth_exceeds(value, limit):
        raise JSONTooDeep(limit)
    return value
