"""A process's bounded memo: values that depend on nothing but their key, computed once and
kept in this process, cleared whole when it is full.

For things that are costly to build and cheap to keep, whose key names everything they depend
on (a filter form class per declaration and language, a browse index's rows per facet value,
a need page's read per viewer class). Clearing whole rather than evicting one by one keeps a
lookup a plain dict read; the bound is set well above what a process meets, so clearing is
rare. A value is never ``None`` (that means "absent"), and is tested with ``is None`` only:
a QuerySet's truth would evaluate it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any


class BoundedMemo:
    def __init__(self, max_size: int):
        self.max_size = max_size
        self._values: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value kept under ``key``, or ``compute()`` kept there (two threads may both
        compute a missing value; the last one's is kept: values are equal by construction)."""
        found = self._values.get(key)
        if found is None:
            found = compute()
            with self._lock:
                if len(self._values) >= self.max_size:
                    self._values.clear()
                self._values[key] = found
        return found

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
