"""``core.memo.BoundedMemo``: computed once per key, bounded by clearing whole."""

from __future__ import annotations

from matchmaking.core.memo import BoundedMemo


def test_a_value_is_computed_once_per_key():
    memo, calls = BoundedMemo(8), []

    def compute(value):
        return lambda: calls.append(value) or value * 10

    assert memo.get_or_compute("a", compute(1)) == 10
    assert memo.get_or_compute("a", compute(2)) == 10
    assert memo.get_or_compute("b", compute(3)) == 30
    assert calls == [1, 3]


def test_a_full_memo_is_cleared_whole_before_the_next_value_is_kept():
    memo = BoundedMemo(2)
    memo.get_or_compute("a", lambda: 1)
    memo.get_or_compute("b", lambda: 2)
    assert len(memo) == 2
    memo.get_or_compute("c", lambda: 3)
    assert len(memo) == 1
    assert memo.get_or_compute("a", lambda: 4) == 4  # computed again after the clear


def test_a_value_whose_truth_is_false_is_kept():
    """Kept values are tested with ``is None`` only: an empty one (or a QuerySet, whose truth
    would run it) is not computed again."""
    memo, calls = BoundedMemo(4), []
    memo.get_or_compute("empty", lambda: calls.append(1) or [])
    memo.get_or_compute("empty", lambda: calls.append(2) or [])
    assert calls == [1]
