"""``store.shared_of_rows`` (the features a pair shares, read per list at rebuild time) gives
exactly what ``explanations.shared_features`` reads from the slice
``csr(seg.X[:, q.indices])[rows]``: same columns, same contributions, for any rows."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaking.matching.engine.explanations import shared_features
from matchmaking.matching.engine.store import Segment, shared_of_rows


def _segment(X: sp.csr_matrix) -> Segment:
    n = X.shape[0]
    return Segment(
        refs=[f"r{i}" for i in range(n)],
        X=sp.csc_matrix(X, dtype=np.float32),
        arrays={},
        docs=[None] * n,
        alive=np.ones(n, bool),
    )


def _expected(seg: Segment, q: sp.csr_matrix, rows: np.ndarray) -> list[dict[int, float]]:
    small = sp.csr_matrix(seg.X[:, q.indices])[rows]
    return [shared_features(small, j, q) for j in range(len(rows))]


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_rows=st.integers(1, 40),
    n_cols=st.integers(1, 60),
    density=st.floats(0.0, 0.6),
    q_density=st.floats(0.0, 0.8),
    picks=st.lists(st.integers(0, 10_000), max_size=15),
)
def test_the_shared_features_of_rows_are_those_of_the_column_slice(
    seed, n_rows, n_cols, density, q_density, picks
):
    rng = np.random.default_rng(seed)
    X = sp.random(n_rows, n_cols, density=density, format="csr", dtype=np.float32, rng=rng)
    q = sp.random(1, n_cols, density=q_density, format="csr", dtype=np.float32, rng=rng)
    q.sort_indices()
    seg = _segment(X)
    rows = np.asarray([p % n_rows for p in picks], np.int64)
    got = shared_of_rows(seg, q, rows)
    assert got == _expected(seg, q, rows)
    assert len(got) == len(rows)


def test_a_row_sharing_nothing_gets_an_empty_dict():
    X = sp.csr_matrix(np.array([[0.5, 0, 0.5], [0, 1.0, 0]], np.float32))
    q = sp.csr_matrix(np.array([[0, 0, 1.0]], np.float32))
    assert shared_of_rows(_segment(X), q, np.array([1, 0])) == [{}, {2: 0.5}]
