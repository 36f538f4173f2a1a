"""Ranking, in both directions: the hard-constraint mask (:meth:`candidates`), the candidate
stage that scores only the offerings whose score bound can reach the pool's cut (exactly the
ranking of scoring all of them), the diversity re-rank, and the batch path over all needs.

A pair (need, offering) has one score whatever the direction; the chosen pairs are explained
with the same vectorised components that ranked them, so a :class:`Suggestion`'s score,
components and reasons always agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .config import KIND_COMPAT, RANK_KEYS, EngineConfig
from .documents import APP_TYPES, SECTORS, NeedDoc, OfferingDoc, need_text
from .explanations import NeedCategories, need_categories, shared_features
from .reasons import Reason
from .scoring import layer_component
from .semantic import fuse, semantic_cosines, semantic_cosines_many
from .store import Segment, Side, csr_copy, resize_columns, shared_of_rows
from .text import Analyzer, Vectorizer


@dataclass(frozen=True)
class Suggestion:
    """One ranked target with its score (0–100, 1 decimal), components (0–1) and reasons."""

    target_ref: str
    score: float
    components: dict[str, float]
    reasons: list[Reason]


class RankingMixin:
    """Part of :class:`~.engine.MatchingEngine`: constraints, candidates, ranking, re-ranking.

    Uses the other parts of the engine: scoring (``fast_total``, ``components``, ``score``),
    features (``need_arrays``, ``region_mask``, ``_offering_text``, ``_offering_segment``,
    ``_region_table``), explanations (``explain``, ``_display``) and ``_require_index``.
    """

    config: EngineConfig
    weights: dict[str, float]
    analyzer: Analyzer
    vectorizer: Vectorizer
    offerings: Side | None
    needs: Side | None
    _org_ids: dict[str, int]

    def candidates(
        self,
        NV: Mapping[str, np.ndarray],
        OV: Mapping[str, np.ndarray],
        allowed_orgs: Sequence[frozenset | None],
    ) -> np.ndarray:
        """Hard-constraint mask (m needs × n offerings): True where the pair may be suggested."""
        dep_need = NV["dep"][:, None]
        ok = (dep_need == 0) | ((dep_need & OV["dep"][None, :]) != 0)
        with np.errstate(invalid="ignore"):
            too_dear = (
                OV["price_min"][None, :]
                >= self.config.budget_hard_factor * NV["budget_max"][:, None]
            )
        ok &= ~too_dear
        ok &= NV["org"][:, None] != OV["org"][None, :]
        # Ticking every box with vague text earns no place (specificity.is_vague_box_ticking).
        ok &= ~OV["stuffed"][None, :]
        # Must-haves (信创, data on premises, 备案): an offering failing one is no candidate.
        req = NV["req"] > 0
        if req.any():
            flags = OV["flags"] > 0
            for j in range(req.shape[1]):
                if req[:, j].any():
                    ok &= ~req[:, j][:, None] | flags[:, j][None, :]
        for i, allowed in enumerate(allowed_orgs):
            if allowed is not None:
                ids = [self._org_ids[r] for r in allowed if r in self._org_ids]
                ok[i] &= np.isin(OV["org"], ids)
        return ok

    def rank_offerings(
        self, need: NeedDoc, top_k: int = 10, exclude_org_refs: Iterable[str] = ()
    ) -> list[Suggestion]:
        """Best offerings for ``need`` (the need may be new or unsaved: it is analysed here)."""
        self._require_index()
        an = self.analyzer.analyze(need_text(need))
        q = self.vectorizer.transform([an.features])
        NV = self.need_arrays([need], [an], q)
        return self._rank_offerings_for(need, NV, q, an.display, top_k, frozenset(exclude_org_refs))

    def _rank_offerings_for(
        self,
        need: NeedDoc,
        NV: dict[str, np.ndarray],
        q: sp.csr_matrix,
        display: Mapping[str, str],
        top_k: int,
        exclude: frozenset[str],
        texts: Sequence[np.ndarray] | None = None,
    ) -> list[Suggestion]:
        """Rank all offering segments for one need; ``texts`` are precomputed cosines (batch)."""
        assert self.offerings is not None
        segments = self.offerings.segments
        pool: list[tuple[float, str, int, int]] = []  # (-score, ref, segment, row)
        pool_size = top_k + 8 * self.config.diversity_window
        exclude_ids = [self._org_ids[r] for r in exclude if r in self._org_ids]
        subs: list[sp.csr_matrix] = []
        seg_texts: list[np.ndarray] = []
        regions: list[np.ndarray] = []
        for si, seg in enumerate(segments):
            region = self.region_mask(seg, need.region)
            region = np.full(len(seg), 0.5, np.float32) if region is None else region
            if self.config.candidate_generation and min(self.weights.values()) >= 0:
                # Only the query's own terms are touched (CSC column slice, one sparse
                # product); then only the offerings that can reach the cut are scored.
                sub = None
                text = (
                    self._semantic_text(seg.X[:, q.indices] @ q.data, seg, NV["sem"][0])
                    if texts is None
                    else texts[si]
                )
                rows, values = self._candidate_top(
                    NV, seg, text, region, need.visible_to_orgs, exclude_ids, pool_size
                )
            else:
                # Dense path: every offering scored; the CSR slice also gives the shared
                # features of the pairs being explained.
                sub = sp.csr_matrix(seg.X[:, q.indices])
                text = (
                    self._semantic_text(np.asarray(sub @ q.data).ravel(), seg, NV["sem"][0])
                    if texts is None
                    else texts[si]
                )
                total = self.fast_total(NV, seg.arrays, text[None, :], region[None, :])[0]
                mask = self.candidates(NV, seg.arrays, [need.visible_to_orgs])[0] & seg.alive
                if exclude_ids:
                    mask &= ~np.isin(seg.arrays["org"], exclude_ids)
                rows = top_rows(total, mask, pool_size)
                values = total[rows]
            pool.extend(
                (-round(float(v), 6), seg.refs[r], si, int(r))
                for r, v in zip(rows, values, strict=True)
            )
            subs.append(sub)
            seg_texts.append(text)
            regions.append(region)
        chosen = self._choose(pool, segments, top_k, demote_copies=True)
        categories = need_categories(NV)  # the need's, for each of its pairs
        # Explain the chosen pairs with the same vectorised components, one call per segment.
        out: dict[tuple[int, int], Suggestion] = {}
        for si, rows in rows_by_segment(chosen):
            seg = segments[si]
            OVs = {k: v[rows] for k, v in seg.arrays.items()}
            comp = self.components(
                NV, OVs, seg_texts[si][rows][None, :], regions[si][rows][None, :]
            )
            total = self.score(comp)[0]
            shared_rows = shared_of_rows(seg, q, rows) if subs[si] is None else None
            columns = {k: v[0].tolist() for k, v in comp.items()}  # floats, not numpy scalars
            for j, r in enumerate(rows):
                shared = (
                    shared_features(subs[si], int(r), q) if shared_rows is None else shared_rows[j]
                )
                values = {k: round(column[j], 4) for k, column in columns.items()}
                reasons = self.explain(
                    need,
                    seg.docs[r],
                    categories,
                    values,
                    shared,
                    display,
                    self._display(seg, int(r)),
                )
                out[(si, int(r))] = Suggestion(
                    seg.refs[r], round(max(0.0, float(total[j])), 1), values, reasons
                )
        return [out[(item[2], item[3])] for item in chosen]

    def _semantic_text(self, lexical: np.ndarray, seg: Segment, z: np.ndarray) -> np.ndarray:
        """Text cosines of one listing (latent vector ``z``) against the rows of ``seg``:
        the lexical cosines plus the semantic part (semantic.fuse); unchanged when off."""
        lexical = np.asarray(lexical, np.float32).ravel()
        cfg = self.config
        if cfg.semantic_weight <= 0 or len(z) == 0:
            return lexical
        return fuse(
            lexical,
            semantic_cosines(seg.arrays["sem"], z),
            cfg.semantic_weight,
            cfg.semantic_floor,
            cfg.semantic_mode,
        )

    def _semantic_block(self, lexical: np.ndarray, seg: Segment, Zq: np.ndarray) -> np.ndarray:
        """:meth:`_semantic_text` for a chunk of needs at once (rows of ``Zq``)."""
        cfg = self.config
        if cfg.semantic_weight <= 0 or Zq.shape[1] == 0:
            return lexical
        sem = semantic_cosines_many(seg.arrays["sem"], Zq)
        return fuse(lexical, sem, cfg.semantic_weight, cfg.semantic_floor, cfg.semantic_mode)

    def _candidate_top(
        self,
        NV: Mapping[str, np.ndarray],
        seg: Segment,
        text: np.ndarray,
        region: np.ndarray,
        visible_to: Sequence[str] | None,
        exclude_ids: Sequence[int],
        k: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows (and totals) of ``top_rows`` over all of ``seg``, scoring only candidates.

        Every offering's total is at most ``u + bound`` (:func:`score_bound`): ``bound`` does
        not depend on the offering (cases, region, compliance, budget at their maxima) and ``u``
        is its static part + kind component + weighted text component + the need's category
        weight if it shares a category with the need (otherwise its category part is exactly
        0). The ``first_candidates × k`` offerings of largest ``u`` give a lower bound of the
        k-th best allowed total (the cut); only offerings whose ``u + bound`` reaches it are
        scored, so the result is exactly that of scoring all offerings (a test checks it).
        """
        n = len(seg)
        keys = RANK_KEYS

        def evaluate(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            OV = {key: seg.arrays[key][rows] for key in keys}
            total = self.fast_total(NV, OV, text[rows][None, :], region[rows][None, :])[0]
            mask = self.candidates(NV, OV, [visible_to])[0] & seg.alive[rows]
            if exclude_ids:
                mask &= ~np.isin(OV["org"], exclude_ids)
            return total, mask

        size = max(1, int(self.config.first_candidates * k))
        if n <= size:
            rows = np.arange(n)
            total, mask = evaluate(rows)
            top = top_rows(total, mask, k)
            return rows[top], total[top]
        u, bound = score_bound(self.config, self.weights, NV, seg, text)
        while True:  # grow the first candidates until k of them are allowed
            first = np.argpartition(-u, size - 1)[:size]
            total, mask = evaluate(first)
            allowed = total[mask]
            if len(allowed) >= k or 4 * size >= n:
                break
            size *= 4
        if len(allowed) >= k:
            cut = float(np.partition(allowed, len(allowed) - k)[len(allowed) - k])
            # margin: float32 rounding of the totals and of ``u``
            rows = np.flatnonzero(u >= cut - bound - 1e-3 * (1.0 + abs(cut)))
        else:
            rows = np.arange(n)
        total, mask = evaluate(rows)
        top = top_rows(total, mask, k)
        return rows[top], total[top]

    def _choose(
        self, pool: list, segments: Sequence[Segment], top_k: int, demote_copies: bool = False
    ) -> list:
        """The ``top_k`` items of a pool of ``(-score, ref, segment, row)``: sorted, copies
        behind their originals (offerings), re-ranked."""
        pool.sort()
        if demote_copies:
            pool = self.demote_copies(pool, segments)
        return self.rerank(pool, lambda item: segments[item[2]].docs[item[3]].org_ref, top_k)

    def demote_copies(self, pool: list, segments: Sequence[Segment]) -> list:
        """Copies after originals: of two offerings of different organisations in a sorted
        pool ``(-score, ref, segment, row)`` whose texts are near-identical (cosine of their
        vectors ≥ ``copy_cosine``), the one published later — the copy — moves behind every
        offering that is not a copy (order kept within both groups). A copy of a competitor's
        listing scores like the original (the same words) and, being newer, gained its
        freshness; now it never shows above or beside it. Offerings only: two buyers may
        well post the same need."""
        threshold = self.config.copy_cosine
        if threshold >= 1.0 or len(pool) < 2:
            return pool
        n_cols = len(self.vectorizer.vocabulary)
        # the pool's vectors, one row slice per segment, back in pool order
        parts, place = [], {}
        for si, rows in rows_by_segment(pool):
            parts.append(resize_columns(csr_copy(segments[si])[rows], n_cols))
            place.update(((si, int(r)), len(place)) for r in rows)
        P = sp.vstack(parts, format="csr")[[place[si, r] for _, _, si, r in pool]]
        similar = (P @ P.T).toarray()
        orgs = [int(segments[si].arrays["org"][r]) for _, _, si, r in pool]
        # when it was published, then the ref (the same instant: any order gives one answer)
        published = [(float(segments[si].arrays["published"][r]), ref) for _, ref, si, r in pool]
        copies: set[int] = set()
        for i, j in zip(*np.nonzero(np.triu(similar >= threshold, k=1)), strict=True):
            if orgs[i] != orgs[j]:
                copies.add(int(i) if published[i] > published[j] else int(j))  # the later one
        if not copies:
            return pool
        return [x for k, x in enumerate(pool) if k not in copies] + [
            x for k, x in enumerate(pool) if k in copies
        ]

    def copies_of(self, offering: OfferingDoc) -> list[tuple[str, float]]:
        """(ref, cosine) of the indexed live offerings of other organisations whose text
        vectors reach ``copy_cosine`` with ``offering``'s text, most similar first: the pairs
        the copy rule would demote one of (``demote_copies``). Moderators read it before a
        text goes live; ``offering`` need not be indexed (a proposed revision)."""
        self._require_index()
        assert self.offerings is not None
        threshold = self.config.copy_cosine
        if threshold >= 1.0:
            return []
        an = self.analyzer.analyze(self._offering_text(offering))
        x = self.vectorizer.transform([an.features])
        own = self._org_ids.get(offering.org_ref, -1)
        found: list[tuple[str, float]] = []
        for seg in self.offerings.segments:
            cosine = seg.X[:, x.indices] @ x.data  # as a need's ranking reads its text cosines
            hits = (cosine >= threshold) & seg.alive & (seg.arrays["org"] != own)
            found += [(seg.refs[i], round(float(cosine[i]), 3)) for i in np.flatnonzero(hits)]
        return sorted(found, key=lambda hit: (-hit[1], hit[0]))

    def rerank(self, pool: list, org_of, top_k: int) -> list:
        """Diversity: at most ``max_per_vendor_in_top5`` items of one org in the first positions.

        Items pushed out keep their order after the window; if the pool holds too few other
        orgs to fill the window, they come back in (a short list beats an empty slot).
        """
        window, limit = self.config.diversity_window, self.config.max_per_vendor_in_top5
        top: list = []
        deferred: list = []
        counts: dict[str, int] = {}
        i = 0
        while i < len(pool) and len(top) < window:
            org = org_of(pool[i])
            if counts.get(org, 0) < limit:
                top.append(pool[i])
                counts[org] = counts.get(org, 0) + 1
            else:
                deferred.append(pool[i])
            i += 1
        rest = deferred + pool[i:]
        return (top + rest)[:top_k]

    def rank_needs(
        self, offering: OfferingDoc, top_k: int = 10, viewer_org_ref: str | None = None
    ) -> list[Suggestion]:
        """Best needs (商机) for ``offering``, as seen by ``viewer_org_ref`` (default: its vendor)."""
        self._require_index()
        an = self.analyzer.analyze(self._offering_text(offering))
        x = self.vectorizer.transform([an.features])
        OV = self._offering_segment([offering], [an], x).arrays
        return self._rank_needs_for(
            offering, OV, x, an.display, top_k, viewer_org_ref or offering.org_ref
        )

    def _rank_needs_for(
        self,
        offering: OfferingDoc,
        OV: Mapping[str, np.ndarray],
        x: sp.csr_matrix,
        display: Mapping[str, str],
        top_k: int,
        viewer: str,
        first: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
        needs_seen: dict[tuple[int, int], tuple[NeedCategories, dict[str, str]]] | None = None,
    ) -> list[Suggestion]:
        """Rank all need segments for one offering. ``first`` (batch path): per need segment,
        the text cosines and the rows that can reach the pool's cut (a superset of the pool);
        without it every need is scored. Both give the same ranking (a test checks it).
        ``needs_seen`` (batch path): (segment, row) -> what the explanations read of that
        need alone (its categories and words), kept across the offerings of one pass, which
        must not change the index meanwhile."""
        assert self.needs is not None
        region_table = self._region_table(offering)
        segments = self.needs.segments
        pool: list[tuple[float, str, int, int]] = []
        pool_size = top_k + 8 * self.config.diversity_window
        seg_texts: list[np.ndarray] = []
        for si, seg in enumerate(segments):
            if first is None:
                text = self._semantic_text(seg.X[:, x.indices] @ x.data, seg, OV["sem"][0])
                rows = None
            else:
                text, rows = first[si]
            picked, total = self._need_pool(seg, OV, text, region_table, viewer, rows, pool_size)
            pool.extend(
                (-round(float(v), 6), seg.refs[r], si, int(r))
                for r, v in zip(picked, total, strict=True)
            )
            seg_texts.append(text)
        chosen = self._choose(pool, segments, top_k)
        out: dict[tuple[int, int], Suggestion] = {}
        for si, rows in rows_by_segment(chosen):
            seg = segments[si]
            NVs = {k: v[rows] for k, v in seg.arrays.items()}
            text = seg_texts[si][rows][:, None]
            comp = self.components(NVs, OV, text, region_table[NVs["region_id"]][:, None])
            total = self.score(comp)[:, 0]
            shared_rows = shared_of_rows(seg, x, rows)
            columns = {k: v[:, 0].tolist() for k, v in comp.items()}  # floats, not numpy scalars
            for j, r in enumerate(rows):
                values = {k: round(column[j], 4) for k, column in columns.items()}
                known = None if needs_seen is None else needs_seen.get((si, int(r)))
                if known is None:
                    known = (need_categories(NVs, j), self._display(seg, int(r)))
                    if needs_seen is not None:
                        needs_seen[(si, int(r))] = known
                categories, need_display = known
                reasons = self.explain(
                    seg.docs[r], offering, categories, values, shared_rows[j], need_display, display
                )
                out[(si, int(r))] = Suggestion(
                    seg.refs[r], round(max(0.0, float(total[j])), 1), values, reasons
                )
        return [out[(item[2], item[3])] for item in chosen]

    def _need_pool(
        self,
        seg: Segment,
        OV: Mapping[str, np.ndarray],
        text: np.ndarray,
        region_table: np.ndarray,
        viewer: str,
        rows: np.ndarray | None,
        k: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows (and totals) of the ``k`` best needs of ``seg`` allowed for one offering,
        scoring ``rows`` only (all needs when None)."""
        NV = seg.arrays if rows is None else {key: v[rows] for key, v in seg.arrays.items()}
        text = text if rows is None else text[rows]
        region = region_table[NV["region_id"]]
        total = self.fast_total(NV, OV, text[:, None], region[:, None])[:, 0]
        mask = self.candidates(NV, OV, [None] * len(total))[:, 0]
        mask &= seg.alive if rows is None else seg.alive[rows]
        # Visibility is about who sees the need: a private need only for its listed orgs.
        mask &= need_visibility(seg, viewer, rows)
        top = top_rows(total, mask, k)
        return (top if rows is None else rows[top]), total[top]

    def iter_rank_all_offerings(
        self, top_k: int = 10, chunk_size: int = 256, share: tuple[int, int] = (0, 1)
    ) -> Iterator[tuple[str, list[Suggestion]]]:
        """Needs (商机) for every indexed offering, as its vendor sees them: text cosines of a
        chunk of offerings against all needs in one sparse product and their totals in one
        vectorised call, which bounds the rows each offering must score exactly; then per
        offering the same path as :meth:`rank_needs`.

        Yields ``(offering_ref, suggestions)``, identical to :meth:`rank_needs` per offering
        (the offering's own words come from its segment row, as :meth:`_display` gives them).
        ``share=(i, n)`` yields only the chunks ``i``, ``i + n``, … (one of ``n`` processes).
        """
        self._require_index()
        assert self.needs is not None and self.offerings is not None
        pool_size = top_k + 8 * self.config.diversity_window
        needs_seen: dict[tuple[int, int], tuple[NeedCategories, dict[str, str]]] = {}
        for oseg in self.offerings.segments:
            Xr = csr_copy(oseg)
            live = np.flatnonzero(oseg.alive)
            for start in _shared_starts(self.offerings.segments, oseg, live, chunk_size, share):
                rows = live[start : start + chunk_size]
                Q = Xr[rows]
                OVs = {k: v[rows] for k, v in oseg.arrays.items()}
                docs = [oseg.docs[r] for r in rows]
                tables = [self._region_table(doc) for doc in docs]
                # region id × chunk: one row lookup per need below (256 lookups per need
                # segment, one per offering, were a tenth of the stage at 100k)
                table = np.stack(tables, axis=1)
                firsts: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in rows]
                for nseg in self.needs.segments:
                    # needs × chunk cosines and approximate totals (the slow part, done at once)
                    lexical = chunk_cosines(nseg, Q)
                    texts = self._semantic_block(lexical, nseg, OVs["sem"]).T
                    region = table[nseg.arrays["region_id"]]
                    totals, mask = self._chunk_totals(nseg, OVs, texts, region)
                    for j, doc in enumerate(docs):
                        allowed = np.flatnonzero(mask[j] & need_visibility(nseg, doc.org_ref))
                        firsts[j].append(
                            (texts[:, j], near_top(totals[j, allowed], allowed, pool_size))
                        )
                for j, r in enumerate(rows):
                    OV = {k: v[j : j + 1] for k, v in OVs.items()}
                    yield (
                        oseg.refs[r],
                        self._rank_needs_for(
                            docs[j],
                            OV,
                            Q[j],
                            self._display(oseg, int(r)),
                            top_k,
                            docs[j].org_ref,
                            firsts[j],
                            needs_seen,
                        ),
                    )

    def _chunk_totals(
        self,
        nseg: Segment,
        OVs: Mapping[str, np.ndarray],
        texts: np.ndarray,
        region: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Approximate totals and the hard-constraint mask of every need of ``nseg`` (columns)
        for each offering of a chunk (rows), the same values as one ``fast_total`` and one
        ``candidates`` call over the whole needs × chunk matrices, made :data:`NEED_BLOCK`
        needs at a time: the totals' ~40 array operations then work within the CPU's cache
        instead of streaming 10 MB matrices, and one offering's values are contiguous for
        its pool (at 100k: 51 ms a chunk instead of 72 ms + 40 ms of strided reads)."""
        totals = np.empty(texts.shape[::-1], np.float32)
        mask = np.empty(texts.shape[::-1], bool)
        for lo in range(0, len(nseg), NEED_BLOCK):
            block = slice(lo, lo + NEED_BLOCK)
            NV = {k: v[block] for k, v in nseg.arrays.items()}  # views, not copies
            totals[:, block] = self.fast_total(NV, OVs, texts[block], region[block]).T
            allowed = self.candidates(NV, OVs, [None] * len(NV["org"]))
            allowed &= nseg.alive[block, None]
            mask[:, block] = allowed.T
        return totals, mask

    def iter_rank_all_needs(
        self, top_k: int = 10, chunk_size: int = 64, share: tuple[int, int] = (0, 1)
    ) -> Iterator[tuple[str, list[Suggestion]]]:
        """Suggestions for every indexed need: text cosines of a chunk of needs against all
        offerings in one sparse product, then per need the same path as :meth:`rank_offerings`.

        Yields ``(need_ref, suggestions)``, identical to :meth:`rank_offerings` per need;
        ``share=(i, n)`` only those of the chunks ``i``, ``i + n``, … (one of ``n`` processes).
        """
        self._require_index()
        assert self.needs is not None and self.offerings is not None
        for nseg in self.needs.segments:
            live = np.flatnonzero(nseg.alive)
            for start in _shared_starts(self.needs.segments, nseg, live, chunk_size, share):
                rows = live[start : start + chunk_size]
                Q = sp.csr_matrix(nseg.X[rows])
                # chunk × offerings cosines, per offering segment (the slow part, done at once)
                blocks = [
                    self._semantic_block(
                        chunk_cosines(seg, Q),
                        seg,
                        nseg.arrays["sem"][rows],
                    )
                    for seg in self.offerings.segments
                ]
                for i, r in enumerate(rows):
                    need = nseg.docs[r]
                    NV = {k: v[r : r + 1] for k, v in nseg.arrays.items()}
                    display = self._display(nseg, int(r))
                    texts = [block[i] for block in blocks]
                    yield (
                        nseg.refs[r],
                        self._rank_offerings_for(
                            need, NV, Q[i], display, top_k, frozenset(), texts
                        ),
                    )


def chunk_cosines(seg: Segment, Q: sp.csr_matrix) -> np.ndarray:
    """``(seg.X @ Q.T).T.toarray()`` as float32 (rows of ``Q`` × rows of ``seg``), the same
    values: the columns ``Q`` uses, as one dense matrix, multiplied into those columns of
    ``seg`` (each entry sums the same products in the same order). The product is nearly
    dense, and the sparse product built it one entry at a time; at 100k, 256 offerings
    against 10k needs now take 27 ms instead of 61, 64 needs against 100k offerings 89 ms
    instead of 184. The result is a transposed view (column-major); callers only index it."""
    cols, dense = dense_query(Q)
    return (seg.X[:, cols] @ dense).astype(np.float32, copy=False).T


def dense_query(Q: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """The vocabulary columns the rows of ``Q`` use, and ``Q`` on those columns as one dense
    matrix (columns × rows): what a product with many listings' vectors is made against."""
    cols = np.unique(Q.indices)
    dense = np.zeros((len(cols), Q.shape[0]), np.float32)
    rows = np.repeat(np.arange(Q.shape[0]), np.diff(Q.indptr))
    dense[np.searchsorted(cols, Q.indices), rows] = Q.data
    return cols, dense


#: Needs per block of :meth:`RankingMixin._chunk_totals` (× 256 offerings: 1 MB per array).
NEED_BLOCK = 1024


def _shared_starts(
    segments: Sequence[Segment],
    seg: Segment,
    live: np.ndarray,
    chunk_size: int,
    share: tuple[int, int],
) -> list[int]:
    """The first rows of ``seg``'s chunks that belong to share ``i`` of ``n``: chunks are
    numbered across the side's segments in order and dealt out in turn."""
    index, count = share
    if not 0 <= index < count:
        raise ValueError(f"share {share!r}: want (i, n) with 0 <= i < n")
    first = 0  # the number of the segment's first chunk
    for other in segments:
        if other is seg:
            break
        first += -(-int(other.alive.sum()) // chunk_size)
    starts = range(0, len(live), chunk_size)
    return [start for n, start in enumerate(starts, start=first) if n % count == index]


def score_bound(
    cfg: EngineConfig,
    w: Mapping[str, float],
    NV: Mapping[str, np.ndarray],
    seg: Segment,
    text: np.ndarray,
) -> tuple[np.ndarray, float]:
    """``(u, bound)`` with ``fast_total ≤ u + bound`` for every offering of ``seg``
    (``cfg`` and the normalised weights ``w`` of the engine)."""
    bounds = seg.cache.get("bounds")
    if bounds is None:
        a = seg.arrays
        bits = (a["sector"] > 0) @ (1 << np.arange(len(SECTORS), dtype=np.int64)) | (
            (a["app"] > 0) @ (1 << np.arange(len(APP_TYPES), dtype=np.int64))
        ) << len(SECTORS)
        kind_idx = np.argmax(a["kind"], axis=1)
        bounds = (bits, kind_idx, a["cases"].max(axis=0).astype(np.float64))
        seg.cache["bounds"] = bounds
    bits, kind_idx, cases_max = bounds
    sector_p = NV["sector_p"][0].astype(np.float64)
    app_p = NV["app_p"][0].astype(np.float64)
    need_bits = int(
        (sector_p > 0) @ (1 << np.arange(len(SECTORS), dtype=np.int64))
        | ((app_p > 0) @ (1 << np.arange(len(APP_TYPES), dtype=np.int64))) << len(SECTORS)
    )
    bound = (
        w["evidence"] * 0.6 * (1.0 - math.exp(-float(sector_p @ cases_max)))
        + w["region"]
        + w["compliance"]
        + w["budget"]
    )
    cat_weight = w["sector"] * sector_p.sum() + w["app_type"] * app_p.sum()
    reach = max(float(NV["reach"][0]), cfg.min_reach) if cfg.use_reach else 1.0
    u = np.minimum(text * np.float32(w["text"] / (reach * cfg.text_scale)), w["text"])
    u += seg.arrays["static"]
    u += (w["layer"] * layer_component(NV, seg.arrays)[0]).astype(np.float32)
    u += (w["kind"] * (NV["kind_p"][0] @ KIND_COMPAT)).astype(np.float32)[kind_idx]
    if need_bits and cat_weight > 0:
        u += np.float32(cat_weight) * ((bits & need_bits) != 0)
    return u, bound


def need_visibility(seg: Segment, viewer: str, rows: np.ndarray | None = None) -> np.ndarray:
    """Per need of ``seg`` (or of its ``rows`` only): may ``viewer`` (an org ref) see it
    (public, or listed by it)."""
    private = private_needs(seg)
    if rows is None:
        visible = seg.arrays["public"].copy()
        for r, orgs in private.items():
            visible[r] = viewer in orgs
        return visible
    visible = seg.arrays["public"][rows]
    for i in np.flatnonzero(~visible):
        visible[i] = viewer in private[int(rows[i])]
    return visible


def private_needs(seg: Segment) -> dict[int, frozenset[str]]:
    """The private needs of ``seg``: row -> the orgs it is shown to (read once per segment)."""
    private = seg.cache.get("private")
    if private is None:
        private = seg.cache["private"] = {
            int(r): frozenset(seg.docs[r].visible_to_orgs or ())
            for r in np.flatnonzero(~seg.arrays["public"])
        }
    return private


def near_top(values: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """The ``rows`` whose approximate total (``values``) may be among the ``k`` best: every row
    within a float32-rounding margin of the k-th best value (all rows when there are ≤ k)."""
    if len(rows) <= k:
        return rows
    cut = float(np.partition(values, len(values) - k)[len(values) - k])
    return rows[values >= cut - 1e-3 * (1.0 + abs(cut))]


def rows_by_segment(chosen: Sequence[tuple]) -> Iterator[tuple[int, np.ndarray]]:
    """``(segment, rows)`` of chosen pool items ``(-score, ref, segment, row)``, per segment."""
    for si in sorted({item[2] for item in chosen}):
        yield si, np.array([item[3] for item in chosen if item[2] == si], np.int64)


def top_rows(total: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best rows allowed by ``mask`` (unordered)."""
    allowed = np.flatnonzero(mask)
    if len(allowed) <= k:
        return allowed
    vals = total[allowed]
    part = np.argpartition(-vals, k - 1)[:k]
    # Include ties at the cut so that ties are broken by ref, not by position.
    cut = vals[part].min()
    return allowed[vals >= cut]
