"""Learning from labelled files and from the platform: training pairs and a pairwise ranker.

Signals (``feedback_pairs``), each a graded (need, offering) pair; connection outcomes come from
the connections app through the ``feedback_outcomes`` extension point (a higher floor registers, this one never
imports it):

* a won deal (connection state ``won``) — grade 3;
* an accepted connection (``accepted``, ``in_talks``) — grade 2; ``lost`` after acceptance — 1;
* a declined connection — grade 0; a "not relevant" click (``SuggestionFeedback``) — grade 0.

The labelled ``llm-match/v1`` files (``labelled_files``: ``../shared/data`` and ``fixtures/``)
are the base: every need ranks every offering with the current engine, and the label grade
(0 when unlisted) is the target.

The ranker (``PairwiseRanker``) is a logistic regression on the differences of the engine's
score components between two offerings of the same need with different grades (RankNet-style
pairwise logistic loss, no intercept), followed by a one-dimensional logistic fit that turns
its score into 0–100. ``manage.py train_ranker`` trains it, measures it by leave-one-file-out
cross-validation (and grouped folds over the feedback) against the engine's own order, and
stores it in ``RANKER_FILE`` with ``"active": true`` only when it measured better: held-out
nDCG@5 averaged over the held-out needs at least ``MIN_GAIN`` above the engine's, and no file losing more than
``MAX_FILE_LOSS``. ``active_ranker()`` returns it only then; otherwise the engine's order stands.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings

from matchmaking.core.extensions import ExtensionPoint
from matchmaking.matching import adapters
from matchmaking.matching.engine import COMPONENTS, MatchingEngine
from matchmaking.matching.engine.evaluate import load_file
from matchmaking.matching.engine.metrics import ndcg_at_k, precision_at_k, reciprocal_rank
from matchmaking.matching.models import Suggestion, SuggestionFeedback
from matchmaking.matching.runtime import engine_config, holder, lexicon_extra

FORMAT = "matching-ranker/v1"
RANKER_FILE = Path(__file__).resolve().parent / "data" / "ranker.json"
MIN_GAIN = 0.005
MAX_FILE_LOSS = 0.02
FEEDBACK_WEIGHT = 2.0
GOOD_GRADE = 2


@dataclass
class Pair:
    """One scored pair with its target grade; ``group`` is the need (one ranking)."""

    group: str
    source: str  # file name, or "feedback"
    offering: str
    raw: float
    components: dict[str, float]
    grade: int

    @property
    def good(self) -> int:
        return int(self.grade >= GOOD_GRADE)


# --- data -------------------------------------------------------------------------------------


def shared_data_dir() -> Path:
    return Path(settings.BASE_DIR).parent / "shared" / "data"


def labelled_files() -> list[Path]:
    """The labelled llm-match/v1 files: the shared development files and labelled fixtures."""
    found = sorted(shared_data_dir().glob("matching-*.json"))
    for path in sorted((Path(settings.BASE_DIR) / "fixtures").glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("format") == "llm-match/v1" and data.get("labels"):
            found.append(path)
    return found


def site_engine() -> MatchingEngine:
    """An unfitted engine configured as the site's (settings and the admin-edited lexicon)."""

    return MatchingEngine(engine_config(), lexicon_extra=lexicon_extra())


def file_pairs(path: Path, engine_factory=site_engine) -> list[Pair]:
    """Every need of a labelled file against every offering the site's engine ranks for it."""
    ds = load_file(path)
    labelled = set(ds.labels)
    if not labelled:
        return []
    engine = engine_factory().fit(ds.offerings, ds.needs, ds.cases)
    pairs = []
    for need in ds.needs:
        if need.ref not in labelled:
            continue
        grades = ds.labels[need.ref]
        for s in engine.rank_offerings(need, top_k=len(ds.offerings)):
            pairs.append(
                Pair(
                    group=f"{path.name}:{need.ref}",
                    source=path.name,
                    offering=s.target_ref,
                    raw=float(s.score),
                    components={k: float(v) for k, v in s.components.items()},
                    grade=int(grades.get(s.target_ref, 0)),
                )
            )
    return pairs


#: Outcomes that higher floors know about (the connections app registers its accepted,
#: declined and won connections from its AppConfig.ready()).
feedback_outcomes = ExtensionPoint(
    "matching.feedback_outcomes",
    "f() -> iterable of (need id, offering id, grade) from the platform's outcomes",
)


def feedback_grades() -> dict[tuple[int, int], int]:
    """(need id, offering id) → grade from the platform's outcomes: "not relevant" clicks
    (0) and the registered providers' outcomes; the highest grade of a pair wins (a deal won
    after a first dismissal is a good fit)."""

    grades: dict[tuple[int, int], int] = {}
    for need_id, offering_id in SuggestionFeedback.objects.values_list("need_id", "offering_id"):
        grades[(need_id, offering_id)] = 0
    for provider in feedback_outcomes.providers():
        for need_id, offering_id, grade in provider():
            key = (need_id, offering_id)
            grades[key] = max(grades.get(key, 0), int(grade))
    return grades


def feedback_pairs() -> list[Pair]:
    """The platform's outcomes with the components of each pair (the stored suggestion's, or
    those recorded with the dismissal, or the current engine's)."""

    grades = feedback_grades()
    if not grades:
        return []
    stored: dict[tuple[int, int], tuple[float, dict]] = {}
    need_ids = {n for n, _o in grades}
    for need_id, offering_id, score, components in Suggestion.objects.filter(
        need_id__in=need_ids
    ).values_list("need_id", "offering_id", "score", "components"):
        if (need_id, offering_id) in grades and components:
            stored[(need_id, offering_id)] = (components.get("raw", score), components)
    for need_id, offering_id, score, components in SuggestionFeedback.objects.filter(
        need_id__in=need_ids
    ).values_list("need_id", "offering_id", "score", "components"):
        if (need_id, offering_id) not in stored and components:
            stored[(need_id, offering_id)] = (components.get("raw", score or 0.0), components)
    missing = {n for (n, o) in grades if (n, o) not in stored}
    if missing:
        stored.update(_engine_components(missing, grades))
    return [
        Pair(
            group=f"feedback:{n}",
            source="feedback",
            offering=str(o),
            raw=float(stored[(n, o)][0]),
            components={k: float(v) for k, v in stored[(n, o)][1].items() if k in COMPONENTS},
            grade=grade,
        )
        for (n, o), grade in sorted(grades.items())
        if (n, o) in stored
    ]


def _engine_components(need_ids: Iterable[int], grades) -> dict:
    engine = holder.get()
    found = {}
    for need_id in sorted(need_ids):
        doc = adapters.need_document(need_id)
        if doc is None:
            continue
        wanted = {o for (n, o) in grades if n == need_id}
        for s in engine.rank_offerings(doc[0], top_k=max(1, len(holder.offering_pk_by_ref))):
            pk = holder.offering_pk_by_ref.get(s.target_ref)
            if pk in wanted:
                found[(need_id, pk)] = (float(s.score), dict(s.components))
    return found


# --- the ranker -------------------------------------------------------------------------------


def _matrix(pairs: Sequence[Pair], features: Sequence[str]) -> np.ndarray:
    return np.array([[p.components.get(f, 0.0) for f in features] for p in pairs], dtype=float)


def pairwise_samples(
    pairs: Sequence[Pair], features: Sequence[str], *, feedback_weight: float = FEEDBACK_WEIGHT
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Differences x_i − x_j for pairs of one group with grade_i > grade_j (both orientations)."""
    by_group: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        by_group[p.group].append(p)
    X, y, w = [], [], []
    for members in by_group.values():
        if len({p.grade for p in members}) < 2:
            continue
        M = _matrix(members, features)
        g = np.array([p.grade for p in members])
        hi, lo = np.nonzero(g[:, None] > g[None, :])
        diff = M[hi] - M[lo]
        weight = (g[hi] - g[lo]).astype(float)
        if members[0].source == "feedback":
            weight = weight * feedback_weight
        X.extend([diff, -diff])
        y.extend([np.ones(len(diff)), np.zeros(len(diff))])
        w.extend([weight, weight])
    if not X:
        return np.zeros((0, len(features))), np.zeros(0), np.zeros(0)
    return np.vstack(X), np.concatenate(y), np.concatenate(w)


@dataclass
class PairwiseRanker:
    features: tuple[str, ...]
    weights: tuple[float, ...]
    scale: float = 1.0
    offset: float = 0.0
    active: bool = False
    meta: dict = field(default_factory=dict)

    def utility(self, components: Mapping[str, float]) -> float:
        return float(
            sum(
                w * float(components.get(f, 0.0))
                for f, w in zip(self.features, self.weights, strict=True)
            )
        )

    def score(self, components: Mapping[str, float]) -> float:
        """0–100: the logistic of the scaled utility."""
        z = self.scale * self.utility(components) + self.offset
        return 100.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def as_json(self) -> dict:
        return {
            "format": FORMAT,
            "features": list(self.features),
            "weights": [round(v, 6) for v in self.weights],
            "scale": round(self.scale, 6),
            "offset": round(self.offset, 6),
            "active": self.active,
            **self.meta,
        }

    @classmethod
    def from_json(cls, data: dict) -> PairwiseRanker:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        keys = {"format", "features", "weights", "scale", "offset", "active"}
        return cls(
            tuple(data["features"]),
            tuple(float(v) for v in data["weights"]),
            float(data.get("scale", 1.0)),
            float(data.get("offset", 0.0)),
            bool(data.get("active", False)),
            {k: v for k, v in data.items() if k not in keys},
        )


def train(
    pairs: Sequence[Pair],
    *,
    features: Sequence[str] = COMPONENTS,
    feedback_weight: float = FEEDBACK_WEIGHT,
    C: float = 1.0,
) -> PairwiseRanker:
    # scikit-learn (with pandas and scipy.stats: ~2 s) is loaded by training only, never by a
    # web worker starting up
    from sklearn.linear_model import LogisticRegression

    X, y, w = pairwise_samples(pairs, features, feedback_weight=feedback_weight)
    if len(y) == 0:
        raise ValueError("no pairs with different grades to learn from")
    model = LogisticRegression(fit_intercept=False, C=C, max_iter=2000).fit(X, y, sample_weight=w)
    weights = tuple(float(v) for v in model.coef_[0])
    ranker = PairwiseRanker(tuple(features), weights)
    # Map the utility to a probability of a good fit (pointwise, one dimension).
    u = np.array([ranker.utility(p.components) for p in pairs])[:, None]
    good = np.array([p.good for p in pairs])
    if len(set(good.tolist())) == 2:
        platt = LogisticRegression(C=1e4).fit(u, good)
        ranker.scale = float(platt.coef_[0][0])
        ranker.offset = float(platt.intercept_[0])
    return ranker


# --- offline metrics --------------------------------------------------------------------------


@dataclass(frozen=True)
class Metrics:
    ndcg5: float
    ndcg10: float
    p3: float
    mrr: float
    n: int


def ranking_metrics(pairs: Sequence[Pair], key) -> Metrics:
    """Mean metrics over the groups when each group is ordered by ``key(pair)`` (highest first,
    ties in the engine's order)."""
    by_group: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        by_group[p.group].append(p)
    sums = np.zeros(4)
    n = 0
    for members in by_group.values():
        grades = {p.offering: p.grade for p in members if p.grade > 0}
        if not grades:
            continue
        order = sorted(range(len(members)), key=lambda i: (-key(members[i]), -members[i].raw, i))
        ranked = [members[i].offering for i in order]
        sums += [
            ndcg_at_k(ranked, grades, 5),
            ndcg_at_k(ranked, grades, 10),
            precision_at_k(ranked, grades, 3),
            reciprocal_rank(ranked, grades),
        ]
        n += 1
    if n == 0:
        return Metrics(0.0, 0.0, 0.0, 0.0, 0)
    m = sums / n
    return Metrics(float(m[0]), float(m[1]), float(m[2]), float(m[3]), n)


@dataclass
class FoldResult:
    held_out: str
    before: Metrics
    after: Metrics


def cross_validate(
    pairs: Sequence[Pair], *, folds_of_feedback: int = 3, **train_kwargs
) -> list[FoldResult]:
    """Leave one labelled file out; the feedback, if any, in grouped folds (by need)."""
    sources = sorted({p.source for p in pairs if p.source != "feedback"})
    results = []
    for source in sources:
        train_set = [p for p in pairs if p.source != source]
        test_set = [p for p in pairs if p.source == source]
        try:
            ranker = train(train_set, **train_kwargs)
        except ValueError:
            continue
        results.append(
            FoldResult(
                source,
                ranking_metrics(test_set, lambda p: p.raw),
                ranking_metrics(test_set, lambda p, r=ranker: r.utility(p.components)),
            )
        )
    groups = sorted({p.group for p in pairs if p.source == "feedback"})
    if len(groups) >= folds_of_feedback:
        for k in range(folds_of_feedback):
            held = {g for i, g in enumerate(groups) if i % folds_of_feedback == k}
            train_set = [p for p in pairs if p.group not in held]
            test_set = [p for p in pairs if p.group in held]
            try:
                ranker = train(train_set, **train_kwargs)
            except ValueError:
                continue
            results.append(
                FoldResult(
                    f"feedback fold {k + 1}",
                    ranking_metrics(test_set, lambda p: p.raw),
                    ranking_metrics(test_set, lambda p, r=ranker: r.utility(p.components)),
                )
            )
    return results


def measured_better(results: Sequence[FoldResult]) -> bool:
    """The decision rule for using a trained ranker (see the module docstring)."""
    scored = [r for r in results if r.before.n]
    if not scored:
        return False
    # Mean over held-out needs (a fold of one need weighs as one need, not as a whole file).
    gain = np.average(
        [r.after.ndcg5 - r.before.ndcg5 for r in scored], weights=[r.before.n for r in scored]
    )
    worst = min(r.after.ndcg5 - r.before.ndcg5 for r in scored)
    return bool(gain >= MIN_GAIN and worst >= -MAX_FILE_LOSS)


# --- storage and use --------------------------------------------------------------------------


def ranker_path() -> Path:
    return Path(getattr(settings, "MATCHING_RANKER_FILE", "") or RANKER_FILE)


_cache: dict[str, tuple[float, PairwiseRanker]] = {}


def stored_ranker() -> PairwiseRanker | None:
    path = ranker_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    cached = _cache.get(str(path))
    if cached and cached[0] == mtime:
        return cached[1]
    ranker = PairwiseRanker.from_json(json.loads(path.read_text(encoding="utf-8")))
    _cache[str(path)] = (mtime, ranker)
    return ranker


def active_ranker() -> PairwiseRanker | None:
    ranker = stored_ranker()
    return ranker if ranker is not None and ranker.active else None


def save(ranker: PairwiseRanker, path: Path | None = None) -> Path:
    path = path or ranker_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(ranker.as_json(), ensure_ascii=False, indent=1, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")
    _cache.pop(str(path), None)
    return path


def base_score(raw: float, components: Mapping[str, float]) -> float:
    """What calibration maps: the active ranker's score, or the engine's raw score."""
    ranker = active_ranker()
    return ranker.score(components) if ranker is not None else float(raw)
