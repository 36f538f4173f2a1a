"""Infer sector, application-type and offering-kind probabilities from a text.

Two sources of evidence, blended:

* the lexicon: each vocabulary topic is evidence for one category code (works with no data);
* the platform's own data: centroids of the categorised offerings' (and published cases') TF-IDF
  vectors, a Rocchio classifier — offerings carry their categories, so this is learnt from the
  platform, never from labelled matches. Its weight grows with the number of training documents.

Kinds (product/compute/data/service) come from the lexicon only: "product" is the default and
the other kinds need explicit words (算力, 数据集, 咨询…).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from .documents import APP_TYPES, KINDS, SECTORS
from .lexicon import Lexicon, default_lexicon
from .text import Analysis, Analyzer, Vectorizer

CategoryScores = dict[str, list[tuple[str, float]]]


@dataclass(frozen=True)
class CategoryOptions:
    # Softmax temperature on centroid cosines: a cosine 0.1 higher is e² ≈ 7× more likely.
    temperature: float = 0.05
    # Data weight = n / (n + prior_docs): with few categorised docs the lexicon dominates.
    prior_docs: float = 20.0
    # Pseudo-count spread over all codes so that one stray lexicon word is not a certainty.
    lexicon_smoothing: float = 1.0
    use_data: bool = True


class CategoryModel:
    """Category probabilities for texts; fitted on vectors of categorised documents."""

    def __init__(
        self, analyzer: Analyzer, vectorizer: Vectorizer, options: CategoryOptions | None = None
    ) -> None:
        self.analyzer = analyzer
        self.vectorizer = vectorizer
        self.options = options or CategoryOptions()
        self.n_docs = 0
        self._centroids: dict[str, np.ndarray | None] = {"sectors": None, "app_types": None}
        # topic feature -> (family, code)
        self._topic_code: dict[str, tuple[str, str]] = {
            "c:" + t.name: (t.family, t.code) for t in analyzer.lexicon.topics
        }

    def fit(
        self,
        vectors: sp.csr_matrix,
        sectors: Sequence[Sequence[str]],
        app_types: Sequence[Sequence[str]],
    ) -> CategoryModel:
        """Learn one centroid per code from L2-normalised ``vectors`` and their category lists."""
        self.n_docs = vectors.shape[0]
        for family, codes, labels in (
            ("sectors", SECTORS, sectors),
            ("app_types", APP_TYPES, app_types),
        ):
            index = {c: i for i, c in enumerate(codes)}
            rows, cols, vals = [], [], []
            for r, labs in enumerate(labels):
                labs = [lab for lab in labs if lab in index]
                for lab in labs:
                    rows.append(r)
                    cols.append(index[lab])
                    vals.append(1.0 / len(labs))
            if not rows:
                continue
            y = sp.csr_matrix(
                (vals, (rows, cols)), shape=(self.n_docs, len(codes)), dtype=np.float32
            )
            cent = (y.T @ vectors).toarray()
            norms = np.linalg.norm(cent, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            self._centroids[family] = (cent / norms).astype(np.float32)
        return self

    # --- prediction -------------------------------------------------------------------------

    def lexicon_counts(self, analysis: Analysis) -> dict[str, np.ndarray]:
        """Per family, sublinear counts of topic words per code."""
        out = {
            "sectors": np.zeros(len(SECTORS)),
            "app_types": np.zeros(len(APP_TYPES)),
            "kinds": np.zeros(len(KINDS)),
        }
        index = {"sectors": SECTORS, "app_types": APP_TYPES, "kinds": KINDS}
        for feat, count in analysis.features.items():
            hit = self._topic_code.get(feat)
            if hit is None or hit[1] not in index[hit[0]]:
                continue
            out[hit[0]][index[hit[0]].index(hit[1])] += 1.0 + math.log(count)
        return out

    def predict(
        self, analysis: Analysis, vector: sp.csr_matrix | None = None
    ) -> dict[str, np.ndarray]:
        """Probability vectors (ordered as SECTORS, APP_TYPES, KINDS) for one analysed text."""
        opts = self.options
        counts = self.lexicon_counts(analysis)
        out: dict[str, np.ndarray] = {}
        for family in ("sectors", "app_types"):
            c = counts[family]
            k = len(c)
            p_lex = (c + opts.lexicon_smoothing / k) / (c.sum() + opts.lexicon_smoothing)
            cent = self._centroids.get(family)
            if opts.use_data and cent is not None and vector is not None and vector.nnz:
                sims = np.asarray(vector @ cent.T).ravel()
                z = np.exp((sims - sims.max()) / opts.temperature)
                p_data = z / z.sum()
                lam = self.n_docs / (self.n_docs + opts.prior_docs)
                p = lam * p_data + (1 - lam) * p_lex
            else:
                p = p_lex
            out[family] = p / p.sum()
        out["kinds"] = kind_probabilities(counts["kinds"])
        return out

    def infer(self, text: str) -> CategoryScores:
        """``{"sectors": [(code, prob)…], "app_types": […], "kinds": […]}``, most probable first."""
        analysis = self.analyzer.analyze(text)
        vector = (
            self.vectorizer.transform([analysis.features]) if self.vectorizer.vocabulary else None
        )
        probs = self.predict(analysis, vector)
        result: CategoryScores = {}
        for family, codes in (("sectors", SECTORS), ("app_types", APP_TYPES), ("kinds", KINDS)):
            pairs = [
                (code, round(float(p), 4)) for code, p in zip(codes, probs[family], strict=True)
            ]
            result[family] = sorted(pairs, key=lambda cp: (-cp[1], cp[0]))
        return result


def kind_probabilities(counts: np.ndarray) -> np.ndarray:
    """P(kind) from lexicon counts of (product, compute, data, service); product is the default.

    Each non-product kind gets s / (s + 2) (two clear words make it likely), the rest is
    "product"; renormalised if the explicit kinds add up to more than 1.
    """
    p = np.zeros(len(KINDS))
    for i in range(1, len(KINDS)):
        p[i] = counts[i] / (counts[i] + 2.0)
    total = p[1:].sum()
    if total > 1:
        p[1:] /= total
        total = 1.0
    p[0] = 1.0 - total
    return p


@lru_cache(maxsize=1)
def _lexicon_only_model() -> CategoryModel:
    lexicon: Lexicon = default_lexicon()
    analyzer = Analyzer(lexicon)
    return CategoryModel(analyzer, Vectorizer({}))


def infer_categories(text: str, model: CategoryModel | None = None) -> CategoryScores:
    """Suggest categories for a text (e.g. a need being typed).

    Pass the fitted model of a built engine (``engine.category_model``) to use the platform's
    data; without one, the shipped lexicon alone is used.
    """
    return (model or _lexicon_only_model()).infer(text)
