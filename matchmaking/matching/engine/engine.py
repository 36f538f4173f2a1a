"""The matching engine: candidates → score → explain → rank, in both directions.

A pair (need, offering) has one score whatever the direction: a weighted sum of components in
[0, 1] (weights sum to 100), computed by the same vectorised functions for one query against
all listings, for all needs in batches, and for the few pairs being explained, so the reported
components, the reasons and the ranking always agree.

Hard constraints (never broken): the offering supports an accepted deployment mode of the need
(if it lists any, minus the modes its text refuses: 不要公有云), its minimum price is below
``budget_hard_factor`` × the need's maximum budget, it meets the need's must-haves (信创,
data on premises, 备案), the two sides are different organisations, and a need with
``visible_to_orgs`` only meets offerings of those organisations. Everything else is soft.

:class:`MatchingEngine` holds the state (config, analyser, vocabulary, category model, the two
sides) and the index lifecycle (fit, incremental updates); each concept is a module with its
part of the class: features (documents → segment rows), scoring (components and totals),
ranking (constraints, candidates, rank in both directions) and explanations (reasons).
Storage is in store, settings in config.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from matchmaking.core.cores import usable_cores

from .categories import CategoryModel, CategoryScores
from .config import COMPONENTS, EngineConfig
from .documents import CaseDoc, NeedDoc, OfferingDoc, case_text, need_text
from .explanations import ExplanationsMixin
from .features import FeaturesMixin
from .gc_pause import cyclic_gc_paused
from .hubs import HubsMixin
from .lexicon import Lexicon, default_lexicon
from .ranking import RankingMixin
from .scoring import ScoringMixin
from .semantic import SemanticModel, lexicon_documents
from .store import Segment, Side, csr_copy
from .text import Analyzer, Vectorizer


class MatchingEngine(
    FeaturesMixin, ScoringMixin, RankingMixin, ExplanationsMixin, HubsMixin
):
    """Ranks offerings for a need and needs for an offering, with reasons.

    Hooks (override in a subclass, in django-oscar's spirit): :meth:`candidates` (hard-constraint
    mask), :meth:`score` (total of the weighted components), :meth:`explain` (reasons of one
    pair), :meth:`demote_copies` (a competitor's copy behind the original), :meth:`rerank`
    (diversity).
    """

    def __init__(
        self, config: EngineConfig | None = None, lexicon_extra: Mapping[str, Any] | None = None
    ) -> None:
        self.config = config or EngineConfig()
        lexicon: Lexicon = default_lexicon().merged(lexicon_extra)
        if not self.config.use_lexicon:
            lexicon = Lexicon((), (), lexicon.stopwords)
        self.lexicon = lexicon
        self.analyzer = Analyzer(lexicon, self.config.analyzer)
        total = sum(self.config.weights.get(c, 0.0) for c in COMPONENTS) or 1.0
        self.weights = {c: 100.0 * self.config.weights.get(c, 0.0) / total for c in COMPONENTS}
        self.vectorizer = Vectorizer(dict(self.config.family_weights), self.config.max_df)
        self.category_model = CategoryModel(self.analyzer, self.vectorizer, self.config.category)
        self.semantic = SemanticModel(self.config.semantic_dim)
        self._org_ids: dict[str, int] = {}
        self._region_ids: dict[str, int] = {}
        self._case_texts: dict[str, list[str]] = {}
        self._offering_columns = np.zeros(0, bool)  # vocabulary columns used by some offering
        self.offerings: Side | None = None
        self.needs: Side | None = None

    # ---------------------------------------------------------------- building the index

    def fit(
        self,
        offerings: Sequence[OfferingDoc],
        needs: Sequence[NeedDoc] = (),
        cases: Sequence[CaseDoc] = (),
    ) -> MatchingEngine:
        """Build the index (vocabulary, category model, both sides). Returns ``self``."""
        with cyclic_gc_paused():  # millions of long-lived containers: see gc_pause.py
            return self._fit(offerings, needs, cases)

    def _fit(
        self,
        offerings: Sequence[OfferingDoc],
        needs: Sequence[NeedDoc],
        cases: Sequence[CaseDoc],
    ) -> MatchingEngine:
        workers = self.config.workers or usable_cores()
        self._case_texts = {}
        if self.config.include_case_text:
            for case in cases:
                if case.offering_ref:
                    self._case_texts.setdefault(case.offering_ref, []).append(case_text(case))
        off_an = self.analyzer.analyze_many([self._offering_text(o) for o in offerings], workers)
        need_an = self.analyzer.analyze_many([need_text(n) for n in needs], workers)
        case_an = self.analyzer.analyze_many([case_text(c) for c in cases], 1)
        self.vectorizer.fit([a.features for a in off_an + need_an + case_an])
        X_off = self.vectorizer.transform([a.features for a in off_an])
        X_case = self.vectorizer.transform([a.features for a in case_an])
        self._offering_columns = np.asarray(X_off.getnnz(axis=0) > 0).ravel()
        self.category_model.fit(
            sp.vstack([X_off, X_case], format="csr"),
            [o.sectors for o in offerings] + [[c.sector] if c.sector else [] for c in cases],
            [o.app_types for o in offerings] + [[c.app_type] if c.app_type else [] for c in cases],
        )
        X_need = self.vectorizer.transform([a.features for a in need_an])
        self._fit_semantic([a.text for a in off_an + need_an + case_an], workers)
        # needs first: an offering's hub severity is measured against them (hubs.py)
        self.needs = Side(self._need_segment(needs, need_an, X_need, workers))
        self.offerings = Side(self._offering_segment(offerings, off_an, X_off, workers))
        if self.config.candidate_generation:
            csr_copy(self.offerings.main)  # built here rather than in the first query
        return self

    build_index = fit

    def _fit_semantic(self, texts: list[str], workers: int = 1) -> None:
        """Fit the latent semantic model on the listings' texts (+ the lexicon's groups)."""
        if self.config.semantic_dim <= 0:
            return
        if self.config.semantic_lexicon_docs:
            texts = texts + lexicon_documents(self.lexicon)
        self.semantic.fit(texts, workers=workers)

    # ---------------------------------------------------------------- incremental updates

    def add_offering(self, doc: OfferingDoc) -> None:
        """Add or replace one offering (vocabulary and category model stay as built)."""
        self._require_index()
        an = self.analyzer.analyze(self._offering_text(doc))
        seg = self._offering_segment([doc], [an], self.vectorizer.transform([an.features]))
        self._add_offering_segment(seg)

    def _add_offering_segment(self, seg: Segment) -> None:
        assert self.offerings is not None
        self.offerings.add(seg, len(self.vectorizer.vocabulary), self.config.merge_delta_at)

    def remove_offering(self, ref: str) -> bool:
        """Remove one offering; True if it was indexed."""
        self._require_index()
        assert self.offerings is not None
        return self.offerings.remove(ref)

    def add_need(self, doc: NeedDoc) -> None:
        """Add or replace one need."""
        self._require_index()
        assert self.needs is not None
        an = self.analyzer.analyze(need_text(doc))
        seg = self._need_segment([doc], [an], self.vectorizer.transform([an.features]))
        self.needs.add(seg, len(self.vectorizer.vocabulary), self.config.merge_delta_at)

    def remove_need(self, ref: str) -> bool:
        """Remove one need; True if it was indexed."""
        self._require_index()
        assert self.needs is not None
        return self.needs.remove(ref)

    def _require_index(self) -> None:
        if self.offerings is None or self.needs is None:
            raise RuntimeError("build the index first: engine.fit(offerings, needs, cases)")

    # ---------------------------------------------------------------- categories

    def infer_categories(self, text: str) -> CategoryScores:
        """Sector/app-type/kind probabilities of a text, using the platform's data once fitted."""
        return self.category_model.infer(text)


_default: MatchingEngine | None = None


def default_engine() -> MatchingEngine:
    """A process-wide engine with the default config (unfitted until ``fit`` is called)."""
    global _default
    if _default is None:
        _default = MatchingEngine()
    return _default
