"""Explanations: the met/missing checklist (:class:`~.reasons.Reason`) of one pair, each reason
agreeing with its component, and the key phrases the two texts share (words of both sides,
never character-bigram fragments)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from .config import EngineConfig
from .documents import APP_TYPES, SECTORS, NeedDoc, OfferingDoc
from .features import num_or_nan
from .reasons import Reason
from .store import Segment
from .text import Analyzer, Vectorizer


class ExplanationsMixin:
    """Part of :class:`~.engine.MatchingEngine`: reasons and shared phrases of a pair."""

    config: EngineConfig
    analyzer: Analyzer
    vectorizer: Vectorizer

    def explain(
        self,
        need: NeedDoc,
        offering: OfferingDoc,
        categories: NeedCategories,
        comp: Mapping[str, float],
        shared: Mapping[int, float],
        display: Mapping[str, str],
        offering_display: Mapping[str, str] | None = None,
    ) -> list[Reason]:
        """Met/missing checklist of one pair; each reason agrees with its component.

        ``categories``: :func:`need_categories` of the need (it depends on the need alone, so
        callers read it once for all the need's pairs). ``display`` and ``offering_display``
        map a lexicon feature to the word of the need and of the offering that produced it (a
        synonym or topic link shows both words)."""
        reasons: list[Reason] = []
        for fam, key, codes, chosen, likely, p in categories:
            offered = set(getattr(offering, key)) & set(codes)
            if comp[fam] > 0 and not offered:
                reasons.append(Reason(f"{fam}_any", True, {key: list(likely)}))
            elif comp[fam] > 0:
                direct = [c for c in chosen if c in offered and p[codes.index(c)] > 0]
                if direct:
                    reasons.append(Reason(f"{fam}_match", True, {key: direct}))
                else:
                    inferred = [c for c in likely if c in offered]
                    reasons.append(Reason(f"{fam}_inferred", True, {key: inferred}))
            elif likely or chosen:
                reasons.append(Reason(f"{fam}_mismatch", False, {key: list(likely or chosen)}))
        if comp["text"] > 0:
            phrases = self._phrases(shared, display, offering_display or {})
            if phrases:
                reasons.append(Reason("key_phrases", True, {"phrases": phrases}))
            elif shared:  # only character pairs in common: no word to show
                reasons.append(Reason("text_similar", True, {}))
            # else: only the latent semantic part (semantic.py): no words in common to show
        if comp["kind"] == 0:
            reasons.append(Reason("kind_mismatch", False, {"kind": offering.kind}))
        if need.deployment:
            ok = [d for d in need.deployment if d in offering.deployment]
            if ok:
                reasons.append(Reason("deployment_ok", True, {"modes": ok}))
            missing = [d for d in need.deployment if d not in offering.deployment]
            if missing:
                reasons.append(Reason("deployment_missing", False, {"modes": missing}))
        budget = comp["budget"]
        if budget >= 1.0:
            reasons.append(Reason("budget_overlap", True, {}))
        elif (
            budget > 0
            and not math.isnan(num_or_nan(need.budget_max))
            and not math.isnan(num_or_nan(offering.price_min))
        ):
            reasons.append(Reason("price_slightly_above_budget", False, {}))
        elif budget == 0 and math.isnan(num_or_nan(offering.price_min)):
            reasons.append(Reason("price_unknown", False, {}))
        elif budget == 0:
            factor = num_or_nan(offering.price_min) / num_or_nan(need.budget_max)
            reasons.append(Reason("price_above_budget", False, {"factor": round(factor, 1)}))
        sector_p = categories[0][5]
        if any(v > 0 for v in sector_p):
            # published cases of the vendor in the sectors the need is likely in
            in_sector = [
                n
                for s, v in zip(SECTORS, sector_p, strict=True)
                if v > 0 and (n := offering.published_case_sectors.count(s))
            ]
            if in_sector:
                reasons.append(Reason("cases_in_sector", True, {"n": sum(in_sector)}))
            else:
                reasons.append(Reason("no_case_in_sector", False, {}))
        if offering.org_verified:
            reasons.append(Reason("verified_vendor", True, {}))
        if offering.has_filing:
            reasons.append(Reason("has_filing", True, {}))
        elif need.requires_filing:
            reasons.append(Reason("missing_filing", False, {}))
        if need.requires_domestic_hw:
            reasons.append(
                Reason(
                    "domestic_hw_ok" if offering.domestic_hw else "no_domestic_hw",
                    offering.domestic_hw,
                    {},
                )
            )
        if need.requires_on_premises:
            reasons.append(
                Reason(
                    "on_premises_ok" if offering.on_premises else "no_on_premises",
                    offering.on_premises,
                    {},
                )
            )
        if comp["region"] == 1.0:
            reasons.append(Reason("region_match", True, {"region": need.region}))
        elif comp["region"] == 0.0:
            reasons.append(Reason("region_mismatch", False, {"region": need.region}))
        return reasons

    def _display(self, seg: Segment, row: int) -> dict[str, str]:
        """Lexicon feature -> the word of listing ``row`` of ``seg`` that produced it."""
        out: dict[str, str] = {}
        for term in filter(None, seg.terms[row].split("|")) if seg.terms else ():
            for feat in self.analyzer.term_features.get(term, ()):
                out.setdefault(feat, term)
        return out

    def _phrases(
        self,
        shared: Mapping[int, float],
        display: Mapping[str, str],
        offering_display: Mapping[str, str],
    ) -> list[str]:
        """True shared phrases, strongest first: words present in both texts, and synonym or
        topic links as "need word ↔ offering word". Character bigrams (fragments such as 大模,
        据不) are never shown; negated clauses gave no features in the first place."""
        names = self._feature_names()
        most = self.config.key_phrases_max
        out: list[str] = []
        # strongest first, ties by column (tuples compare in C: no key function per item)
        for _, col in sorted([(-v, c) for c, v in shared.items()]):
            feat = names[col]
            fam = feat[0]
            if fam == "b":
                continue
            if fam == "s" or fam == "c":
                mine, theirs = display.get(feat), offering_display.get(feat)
                if not mine or not theirs:
                    continue  # a link without a word on each side to show
                phrase = mine if mine == theirs else f"{mine} ↔ {theirs}"
            else:
                phrase = feat[2:]
            for p in out:  # a loop, not any(): a generator per pair cost 1.6 µs
                if phrase in p:
                    break
            else:
                out = [p for p in out if p not in phrase]
                out.append(phrase)
                if len(out) >= most:
                    break
        return out

    def _feature_names(self) -> list[str]:
        names = getattr(self, "_names", None)
        if names is None or len(names) != len(self.vectorizer.vocabulary):
            names = [""] * len(self.vectorizer.vocabulary)
            for feat, col in self.vectorizer.vocabulary.items():
                names[col] = feat
            self._names = names
        return names


#: Per category family of a need: (family, document attribute, codes, chosen codes, codes
#: with a probability > 0 most likely first, probabilities as Python floats).
NeedCategories = tuple[tuple[str, str, tuple[str, ...], list[str], list[str], list[float]], ...]


def need_categories(NV: Mapping[str, np.ndarray], row: int = 0) -> NeedCategories:
    """What :meth:`ExplanationsMixin.explain` reads of a need's category arrays (row ``row``
    of ``NV``)."""
    out = []
    for fam, key, codes, chosen_key, p_key in (
        ("sector", "sectors", SECTORS, "sector_chosen", "sector_p"),
        ("app_type", "app_types", APP_TYPES, "app_chosen", "app_p"),
    ):
        # Python floats (exact for float32): comparing numpy scalars one by one cost a
        # tenth of the rebuild's explanations.
        p = NV[p_key][row].tolist()
        chosen = [c for c, v in zip(codes, NV[chosen_key][row].tolist(), strict=True) if v > 0]
        likely = [c for c, v in sorted(zip(codes, p, strict=True), key=lambda cv: -cv[1]) if v > 0]
        out.append((fam, key, tuple(codes), chosen, likely, p))
    return tuple(out)


def shared_features(sub: sp.csr_matrix, row: int, q: sp.csr_matrix) -> dict[int, float]:
    """Vocabulary column -> contribution to the cosine, for one row of a query-column slice."""
    lo, hi = sub.indptr[row], sub.indptr[row + 1]
    cols = sub.indices[lo:hi]
    return {
        int(q.indices[j]): float(v) * float(q.data[j])
        for j, v in zip(cols, sub.data[lo:hi], strict=True)
    }
