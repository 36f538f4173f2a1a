"""The fit's work spread over processes forked for it, which inherit the engine's state.

The analysis, the semantic model's n-grams and the hype patterns are pure Python (they hold
the GIL), so the fit runs them in a process pool. The pool is forked when the work starts:
the children inherit the function and everything it reads (the analyser, the model, the
documents), and only the tasks and the results cross a pipe. Where the platform cannot
fork, or there is one worker or one task, the work runs here, with the same results.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Sequence
from typing import Any

_WORK: Callable[[Any], Any] | None = None


def forked_map(
    fn: Callable[[Any], Any], tasks: Sequence[Any], workers: int, chunksize: int = 1
) -> list[Any]:
    """``[fn(task) for task in tasks]``, in ``workers`` processes forked now when there are
    several workers and several tasks. ``fn`` may be any callable (a bound method, a
    closure): the children inherit it, it is never pickled."""
    if workers <= 1 or len(tasks) <= 1 or "fork" not in mp.get_all_start_methods():
        return [fn(task) for task in tasks]
    global _WORK
    _WORK = fn
    try:
        with mp.get_context("fork").Pool(min(workers, len(tasks))) as pool:
            return pool.map(_run, tasks, chunksize=chunksize)
    finally:
        _WORK = None


def _run(task: Any) -> Any:
    if _WORK is None:
        raise RuntimeError("no work in this process: forked_map forks the processes it uses")
    return _WORK(task)
