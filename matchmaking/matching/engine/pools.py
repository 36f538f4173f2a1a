"""The fit's work spread over processes forked for it, which inherit the engine's state.

The analysis, the semantic model's n-grams and the hype patterns are pure Python (they hold
the GIL), so the fit runs them in a process pool. The pool is forked when the work starts:
the children inherit the function and everything it reads (the analyser, the model, the
documents), and only the tasks and the results cross a pipe. Where the platform cannot
fork, or there is one worker or one task, the work runs here, with the same results.

Each process that works beside others limits numpy's BLAS to its share of the cores
(:func:`blas_share`): OpenBLAS starts a thread per core in every process, and its threads
spin while they wait for work, so processes that each use every core slow one another down.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Sequence
from typing import Any

from threadpoolctl import threadpool_limits

from matchmaking.core.cores import usable_cores

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
        processes = min(workers, len(tasks))
        with mp.get_context("fork").Pool(
            processes, initializer=blas_share, initargs=(processes,)
        ) as pool:
            return pool.map(_run, tasks, chunksize=chunksize)
    finally:
        _WORK = None


def _run(task: Any) -> Any:
    if _WORK is None:
        raise RuntimeError("no work in this process: forked_map forks the processes it uses")
    return _WORK(task)


def cores_each(processes: int) -> int:
    """The cores this process may use shared out between ``processes`` processes (at least one)."""
    return max(1, usable_cores() // max(1, processes))


def blas_share(processes: int) -> threadpool_limits:
    """Numpy's BLAS threads in this process limited to :func:`cores_each`, while
    ``processes`` processes work at once: until the ``with`` block ends when used as one, for
    the rest of the process otherwise (a pool child's initializer). Two ranking processes of
    the rebuild on 2 cores, each with OpenBLAS's two threads, ran 1.5× slower each than one
    alone (a twentieth of the 100k offerings: 13.0 s against 8.4 s); with one thread each,
    as fast as alone (7.9–8.4 s). The results are the same."""
    return threadpool_limits(limits=cores_each(processes), user_api="blas")
