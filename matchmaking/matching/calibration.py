"""Calibrated match scores: one meaning for a score everywhere.

The engine's raw total (0–100) is a weighted sum whose distribution moves whenever the engine
changes. The calibrated score is ``100 × P(the pair is a good fit)``, where "good fit" means
grade ≥ 2 in the labelled ``llm-match/v1`` files, or a positive platform outcome (accepted
connection, won deal) as opposed to a negative one (declined connection, "not relevant"). So:

* ``≥ STRONG_MATCH`` (70) — 强匹配: at least 7 in 10 such suggestions were good fits;
* ``≥ POSSIBLE_MATCH`` (50) — 可能相关;
* below — hidden by default (the panel offers to show them).

The mapping is fitted by ``manage.py calibrate_matching`` (isotonic regression; Platt scaling
with ``--method platt``) and stored as a versioned JSON file (``CALIBRATION_FILE``, in the repo,
overridable with the ``MATCHING_CALIBRATION_FILE`` setting). It is a list of knots applied by
linear interpolation, so it is monotone by construction; without a file the raw score is used
unchanged. Re-run the command whenever the engine's scoring changes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings

STRONG_MATCH = 70.0
POSSIBLE_MATCH = 50.0
FORMAT = "matching-calibration/v1"
CALIBRATION_FILE = Path(__file__).resolve().parent / "data" / "calibration.json"


@dataclass(frozen=True)
class Calibration:
    """A monotone mapping raw score → calibrated score, as knots (x ascending, y 0–100)."""

    x: tuple[float, ...]
    y: tuple[float, ...]
    method: str = "isotonic"
    meta: dict = field(default_factory=dict)

    def __call__(self, raw: float) -> float:
        if not self.x:
            return float(raw)
        return round(float(np.interp(float(raw), self.x, self.y)), 1)

    def as_json(self) -> dict:
        return {
            "format": FORMAT,
            "method": self.method,
            "x": [round(v, 4) for v in self.x],
            "y": [round(v, 4) for v in self.y],
            **self.meta,
        }

    @classmethod
    def from_json(cls, data: dict) -> Calibration:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        x = tuple(float(v) for v in data["x"])
        y = tuple(float(v) for v in data["y"])
        if len(x) != len(y) or any(b < a for a, b in zip(x, x[1:], strict=False)):
            raise ValueError("knots must have ascending x")
        if any(b < a for a, b in zip(y, y[1:], strict=False)):
            raise ValueError("the mapping must be monotone")
        meta = {k: v for k, v in data.items() if k not in {"format", "method", "x", "y"}}
        return cls(x, y, data.get("method", "isotonic"), meta)


IDENTITY = Calibration((), ())


def calibration_path() -> Path:
    return Path(getattr(settings, "MATCHING_CALIBRATION_FILE", "") or CALIBRATION_FILE)


_cache: dict[str, tuple[float, Calibration]] = {}


def current() -> Calibration:
    """The stored calibration (re-read when the file changes), or the identity."""
    path = calibration_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return IDENTITY
    cached = _cache.get(str(path))
    if cached and cached[0] == mtime:
        return cached[1]
    calibration = Calibration.from_json(json.loads(path.read_text(encoding="utf-8")))
    _cache[str(path)] = (mtime, calibration)
    return calibration


def calibrate(raw: float) -> float:
    return current()(raw)


def save(calibration: Calibration, path: Path | None = None) -> Path:
    path = path or calibration_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(calibration.as_json(), ensure_ascii=False, indent=1, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")
    _cache.pop(str(path), None)
    return path


def band(score: float) -> str:
    """ "strong", "possible" or "weak" (hidden by default)."""
    if score >= STRONG_MATCH:
        return "strong"
    if score >= POSSIBLE_MATCH:
        return "possible"
    return "weak"


# --- fitting ----------------------------------------------------------------------------------


def fit(
    scores: Sequence[float],
    outcomes: Sequence[float],
    *,
    method: str = "isotonic",
    weights: Sequence[float] | None = None,
    max_knots: int = 40,
) -> Calibration:
    """Fit raw scores against outcomes (0/1) with isotonic regression or Platt scaling."""
    x = np.asarray(scores, dtype=float)
    t = np.asarray(outcomes, dtype=float)
    w = None if weights is None else np.asarray(weights, dtype=float)
    if len(x) == 0 or len(set(t.tolist())) < 2:
        raise ValueError("calibration needs both good and poor pairs")
    lo, hi = 0.0, max(100.0, float(x.max()))
    if method == "platt":
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=1e4).fit(x[:, None] / 100.0, t, sample_weight=w)
        grid = np.linspace(lo, hi, max_knots + 1)
        y = 100.0 * model.predict_proba(grid[:, None] / 100.0)[:, 1]
        return Calibration(tuple(grid), tuple(np.maximum.accumulate(y)), "platt")
    if method != "isotonic":
        raise ValueError(f"unknown method {method!r}")
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(x, t, sample_weight=w)
    # Knots at quantiles of the data (plus the ends), so the stored file stays small and the
    # interpolated curve is monotone and continuous.
    qs = np.unique(np.quantile(x, np.linspace(0, 1, max_knots + 1)))
    grid = np.unique(np.concatenate([[lo], qs, [hi]]))
    y = 100.0 * iso.predict(grid)
    return Calibration(tuple(float(v) for v in grid), tuple(float(v) for v in y), "isotonic")


@dataclass(frozen=True)
class ReliabilityRow:
    low: float
    high: float
    count: int
    predicted: float  # mean predicted probability × 100
    observed: float  # share of good pairs × 100


def reliability(
    predicted: Sequence[float], outcomes: Sequence[float], *, edges: Sequence[float] | None = None
) -> list[ReliabilityRow]:
    """Mean predicted score vs observed share of good pairs, per score bin (0–100)."""
    edges = list(edges or (0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0001))
    p = np.asarray(predicted, dtype=float)
    t = np.asarray(outcomes, dtype=float)
    rows = []
    for low, high in zip(edges, edges[1:], strict=False):
        mask = (p >= low) & (p < high)
        if mask.any():
            rows.append(
                ReliabilityRow(
                    low,
                    min(high, 100.0),
                    int(mask.sum()),
                    float(p[mask].mean()),
                    float(100.0 * t[mask].mean()),
                )
            )
    return rows


def expected_calibration_error(predicted: Sequence[float], outcomes: Sequence[float]) -> float:
    """Count-weighted mean |predicted − observed| over the bins (in points of 0–100)."""
    rows = reliability(predicted, outcomes)
    total = sum(r.count for r in rows)
    if not total:
        return math.nan
    return sum(r.count * abs(r.predicted - r.observed) for r in rows) / total


def brier(predicted: Sequence[float], outcomes: Sequence[float]) -> float:
    p = np.clip(np.asarray(predicted, dtype=float) / 100.0, 0, 1)
    t = np.asarray(outcomes, dtype=float)
    return float(np.mean((p - t) ** 2)) if len(p) else math.nan
