"""``engine.pools.forked_map``: the fit's pool. The results of the work in forked processes
are those of the same work here, in order; a failure in a child reaches the caller; and no
state is left behind for a later pool."""

from __future__ import annotations

import os

import pytest

from matchmaking.matching.engine import pools


def test_forked_work_gives_the_results_of_work_here_in_order():
    base = {i: i * i for i in range(50)}  # inherited by the children, never pickled

    def square_plus_pid_check(i):
        return base[i], os.getpid()

    here = [square_plus_pid_check(i) for i in range(50)]
    forked = pools.forked_map(square_plus_pid_check, list(range(50)), workers=2, chunksize=3)
    assert [value for value, _ in forked] == [value for value, _ in here]
    assert {pid for _, pid in forked} - {os.getpid()}  # it did run elsewhere
    assert pools._WORK is None


def test_one_worker_or_one_task_runs_here():
    assert pools.forked_map(lambda i: os.getpid(), [1, 2, 3], workers=1) == [os.getpid()] * 3
    assert pools.forked_map(lambda i: os.getpid(), [1], workers=2) == [os.getpid()]


def test_a_failure_in_a_child_reaches_the_caller_and_leaves_no_work_behind():
    def fails_on_seven(i):
        if i == 7:
            raise ValueError("seven")
        return i

    with pytest.raises(ValueError, match="seven"):
        pools.forked_map(fails_on_seven, list(range(10)), workers=2)
    assert pools._WORK is None


def _blas_threads() -> int:
    from threadpoolctl import threadpool_info

    return min(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")


def test_each_forked_child_uses_its_share_of_the_cores_for_blas(monkeypatch):
    """OpenBLAS starts a thread per core in every process, spinning while it waits: two
    children each using both cores ran 1.5× slower each. Each child gets its share."""
    monkeypatch.setattr(pools, "usable_cores", lambda: 2)
    here = _blas_threads()
    in_children = pools.forked_map(lambda i: _blas_threads(), list(range(6)), workers=2)
    assert in_children == [1] * 6
    assert _blas_threads() == here  # the caller's own limit is untouched


def test_blas_share_limits_the_threads_meanwhile_then_restores_them(monkeypatch):
    monkeypatch.setattr(pools, "usable_cores", lambda: 4)
    assert pools.cores_each(2) == 2 and pools.cores_each(4) == 1 and pools.cores_each(8) == 1
    assert pools.cores_each(0) == 4
    before = _blas_threads()
    with pools.blas_share(4):
        assert _blas_threads() == 1
    assert _blas_threads() == before
