"""How many CPU cores this process may use: the one count every process-sizing default reads
(gunicorn's workers, the fit's pool, the rebuild's ranking processes, BLAS threads, the event
scheduler's solver).

It is the process's affinity mask (a container's cpuset or ``taskset``'s share), not the
machine's ``os.cpu_count()``, which counts cores the process will never run on. Standard library
only: ``deploy/gunicorn.conf.py`` reads it before Django is set up.
"""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may run on (at least 1)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)
