"""Features: turning offering and need documents into the rows of a segment (attribute arrays,
TF-IDF rows, lexicon terms), blending chosen and inferred categories, and the region tables
that give the region component of an offering for a need's region."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from matchmaking.listings.hype import assess_listing

from .categories import CategoryModel
from .config import HORIZONTAL_FIT, LAYER_BREADTH, EngineConfig
from .documents import (
    APP_TYPES,
    DEPLOYMENTS,
    KINDS,
    NATIONWIDE,
    SECTORS,
    NeedDoc,
    OfferingDoc,
    offering_text,
)
from .pools import forked_map
from .semantic import SemanticModel
from .specificity import (
    LAYER_FOUNDATION_FIT,
    claim_weight,
    confident_inferred,
    is_vague_box_ticking,
    wants_foundation,
)
from .store import Segment
from .text import Analysis

_DEPLOY_BIT = {mode: 1 << i for i, mode in enumerate(DEPLOYMENTS)}


def offering_hype(doc: OfferingDoc) -> tuple[float, bool]:
    """Hype severity of an offering and whether it ticks every box with vague text."""
    hype = assess_listing(
        title=doc.title,
        text="\n".join([doc.summary or "", doc.description or ""]),
        tags=doc.tags,
        sectors=doc.sectors,
        app_types=doc.app_types,
    )
    return hype.severity, is_vague_box_ticking(hype.reasons)


def offerings_hype(docs: Sequence[OfferingDoc], workers: int = 1) -> list[tuple[float, bool]]:
    """:func:`offering_hype` of each document; in ``workers`` processes for 10k or more
    (Unicode normalisation and the patterns: 5 s of one core for the 100k world)."""
    n = len(docs)
    if n < 10_000:
        return [offering_hype(doc) for doc in docs]
    parts = forked_map(
        lambda lo: [offering_hype(doc) for doc in docs[lo : lo + 4096]],
        range(0, n, 4096),
        workers,
    )
    return [item for part in parts for item in part]


class FeaturesMixin:
    """Part of :class:`~.engine.MatchingEngine`: documents → segment rows, region tables."""

    config: EngineConfig
    weights: dict[str, float]
    category_model: CategoryModel
    _org_ids: dict[str, int]
    _region_ids: dict[str, int]
    _case_texts: dict[str, list[str]]
    _offering_columns: np.ndarray
    semantic: SemanticModel

    def _offering_text(self, doc: OfferingDoc) -> str:
        extra = self._case_texts.get(doc.ref)
        return offering_text(doc) + ("\n" + "\n".join(extra) if extra else "")

    def _org_id(self, ref: str) -> int:
        return self._org_ids.setdefault(ref, len(self._org_ids))

    def _region_id(self, name: str) -> int:
        return self._region_ids.setdefault(norm_region(name), len(self._region_ids))

    def _offering_segment(
        self,
        docs: Sequence[OfferingDoc],
        analyses: Sequence[Analysis],
        X: sp.csr_matrix,
        workers: int = 1,
    ) -> Segment:
        n = len(docs)
        a: dict[str, np.ndarray] = {
            "sector": np.zeros((n, len(SECTORS)), np.float32),
            "app": np.zeros((n, len(APP_TYPES)), np.float32),
            "kind": np.zeros((n, len(KINDS)), np.float32),
            "layer": np.zeros(n, np.float32),
            "layer_f": np.zeros(n, np.float32),
            "hype": np.zeros(n, np.float32),
            "stuffed": np.zeros(n, bool),
            "hub": np.zeros(n, np.float32),  # hubs.py: set by mark_hubs below
            # when it was published, in days since the epoch (which of two copies came first)
            "published": np.zeros(n, np.float64),
            "breadth": np.zeros(n, np.float32),
            "dep": np.zeros(n, np.uint8),
            "price_min": np.full(n, np.nan),
            "org": np.zeros(n, np.int64),
            "flags": np.zeros((n, 3), np.float32),  # domestic_hw, on_premises, filing
            "verified": np.zeros(n, np.float32),
            "cases": np.zeros((n, len(SECTORS)), np.float32),
            "fresh": np.zeros(n, np.float32),
            "filing": np.zeros(n, np.float32),
            "nationwide": np.zeros(n, bool),
            "has_regions": np.zeros(n, bool),
        }
        region_rows: list[int] = []
        region_cols: list[int] = []
        half_life = self.config.freshness_half_life_days
        today = time.time() / 86400.0  # documents carry their age at the time they were read
        full, layer_fit = self.config.claim_full_codes, self.config.layer_fit
        hype = offerings_hype(docs, workers)
        for i, doc in enumerate(docs):
            # An offering without declared sectors (or app types) is horizontal: it fits any,
            # but less than one made for the need's sector, hence a flat partial value.
            # A claim weighs less the more codes are claimed (specificity.py): ticking every
            # box is no better than declaring none.
            sectors = sorted({s for s in doc.sectors if s in SECTORS})
            apps = sorted({t for t in doc.app_types if t in APP_TYPES})
            a["sector"][i] = HORIZONTAL_FIT if not sectors else 0.0
            a["app"][i] = HORIZONTAL_FIT if not apps else 0.0
            for s in sectors:
                a["sector"][i, SECTORS.index(s)] = claim_weight(len(sectors), full)
            for t in apps:
                a["app"][i, APP_TYPES.index(t)] = claim_weight(len(apps), full)
            a["kind"][i, KINDS.index(doc.kind) if doc.kind in KINDS else 0] = 1.0
            a["layer"][i] = layer_fit.get(doc.layer, layer_fit.get(None, 0.5))
            a["layer_f"][i] = LAYER_FOUNDATION_FIT.get(doc.layer, LAYER_FOUNDATION_FIT[None])
            # How general the offering is (a general one is less gated by text evidence, but
            # never exempt: its categories still need words in common with the need).
            a["breadth"][i] = max(
                LAYER_BREADTH.get(doc.layer, LAYER_BREADTH[None]),
                self.config.horizontal_breadth * (not sectors),
            )
            a["hype"][i], a["stuffed"][i] = hype[i]
            a["dep"][i] = deploy_mask(doc.deployment)
            a["price_min"][i] = num_or_nan(doc.price_min)
            a["org"][i] = self._org_id(doc.org_ref)
            a["flags"][i] = (doc.domestic_hw, doc.on_premises, doc.has_filing)
            a["verified"][i] = doc.org_verified
            for s in doc.published_case_sectors:
                if s in SECTORS:
                    a["cases"][i, SECTORS.index(s)] += 1.0
            a["fresh"][i] = 0.5 ** (max(0.0, doc.created_days_ago) / half_life)
            a["published"][i] = today - (
                doc.created_days_ago if doc.text_days_ago is None else doc.text_days_ago
            )
            a["filing"][i] = doc.has_filing
            for r in doc.regions:
                if norm_region(r) == norm_region(NATIONWIDE):
                    a["nationwide"][i] = True
                else:
                    region_rows.append(i)
                    region_cols.append(self._region_id(r))
            a["has_regions"][i] = bool(doc.regions)
        w = self.weights
        # The need-independent part of the score, precomputed for fast ranking.
        a["static"] = (
            w["freshness"] * a["fresh"]
            + w["evidence"] * (0.25 * a["verified"] + 0.15 * a["filing"])
            - self.config.hype_penalty * a["hype"]
        ).astype(np.float32)
        a["price32"] = a["price_min"].astype(np.float32)
        a["sem"] = self.semantic.transform([an.text for an in analyses], workers)
        seg = Segment(
            refs=[d.ref for d in docs],
            X=sp.csc_matrix(X, dtype=np.float32),
            arrays=a,
            docs=[dataclasses.replace(d, summary="", description="") for d in docs],
            alive=np.ones(n, bool),
            # served regions as (row, region id) pairs: a region mask is built per query
            region_rows=np.asarray(region_rows, np.int64),
            region_cols=np.asarray(region_cols, np.int64),
            terms=[terms_of(an) for an in analyses],
        )
        self.mark_hubs(seg)  # type: ignore[attr-defined]  # hubs.py, against the indexed needs
        return seg

    def need_arrays(
        self,
        docs: Sequence[NeedDoc],
        analyses: Sequence[Analysis],
        X: sp.csr_matrix,
        workers: int = 1,
    ) -> dict:
        """Attribute arrays of ``docs`` (one row per need), the ``NV`` that scoring reads."""
        m = len(docs)
        a: dict[str, np.ndarray] = {
            "sector_p": np.zeros((m, len(SECTORS)), np.float32),
            "sector_chosen": np.zeros((m, len(SECTORS)), np.float32),
            "app_p": np.zeros((m, len(APP_TYPES)), np.float32),
            "app_chosen": np.zeros((m, len(APP_TYPES)), np.float32),
            "kind_p": np.zeros((m, len(KINDS)), np.float32),
            "dep": np.zeros(m, np.uint8),
            "budget_max": np.full(m, np.nan),
            "org": np.zeros(m, np.int64),
            "req": np.zeros((m, 3), np.float32),
            "wants_f": np.zeros(m, np.float32),
            "public": np.ones(m, bool),
            "reach": text_reach(X, self._offering_columns),
            "region_id": np.array(
                [self._region_id(d.region) if d.region else -1 for d in docs], np.int64
            ),
        }
        a["sem"] = self.semantic.transform([an.text for an in analyses], workers)
        for i, doc in enumerate(docs):
            probs = self.category_model.predict(analyses[i], X[i])
            for fam, codes, chosen_key, p_key in (
                ("sectors", SECTORS, "sector_chosen", "sector_p"),
                ("app_types", APP_TYPES, "app_chosen", "app_p"),
            ):
                chosen = np.array([c in getattr(doc, fam) for c in codes], np.float32)
                a[chosen_key][i] = chosen
                a[p_key][i] = blend_categories(self.config, chosen, probs[fam])
            a["kind_p"][i] = probs["kinds"]
            # accepted modes, minus those the text refuses (不要公有云); all modes if none given
            dep = deploy_mask(doc.deployment) or deploy_mask(DEPLOYMENTS)
            dep &= ~deploy_mask(analyses[i].forbidden_modes)
            a["dep"][i] = 0 if dep == deploy_mask(DEPLOYMENTS) else dep
            a["wants_f"][i] = wants_foundation(analyses[i].text)
            bmax = num_or_nan(doc.budget_max)
            a["budget_max"][i] = bmax if bmax > 0 else np.nan
            a["org"][i] = self._org_id(doc.org_ref)
            a["req"][i] = (doc.requires_domestic_hw, doc.requires_on_premises, doc.requires_filing)
            a["public"][i] = doc.visible_to_orgs is None
        return a

    def _need_segment(
        self,
        docs: Sequence[NeedDoc],
        analyses: Sequence[Analysis],
        X: sp.csr_matrix,
        workers: int = 1,
    ) -> Segment:
        arrays = self.need_arrays(docs, analyses, X, workers)
        seg = Segment(
            refs=[d.ref for d in docs],
            X=sp.csc_matrix(X, dtype=np.float32),
            arrays=arrays,
            docs=list(docs),  # kept whole: explanations show the need's own words
            alive=np.ones(len(docs), bool),
            terms=[terms_of(an) for an in analyses],
        )
        return seg

    def region_mask(self, seg: Segment, region: str | None) -> np.ndarray | None:
        """Per offering of ``seg``: 1 serves the region, 0 does not, 0.5 unknown; None if unknown."""
        if not region:
            return None
        key = norm_region(region)
        cached = seg.cache.get(("region", key))
        if cached is not None:
            return cached
        ids = [rid for name, rid in self._region_ids.items() if regions_overlap(key, name)]
        rows, cols = seg.region_rows, seg.region_cols
        hit = np.zeros(len(seg), bool)
        if ids and len(rows):
            hit[rows[np.isin(cols, ids)]] = True
        out = np.where(seg.arrays["nationwide"] | hit, 1.0, 0.0).astype(np.float32)
        out[~seg.arrays["has_regions"]] = 0.5
        seg.cache[("region", key)] = out
        return out

    def _region_table(self, offering: OfferingDoc) -> np.ndarray:
        """Region component of one offering for every known region id (index -1 = unknown)."""
        names = [""] * len(self._region_ids)
        for name, rid in self._region_ids.items():
            names[rid] = name
        served = [norm_region(r) for r in offering.regions]
        if not served:
            values = [0.5] * len(names)
        elif norm_region(NATIONWIDE) in served:
            values = [1.0] * len(names)
        else:
            values = [1.0 if any(regions_overlap(n, r) for r in served) else 0.0 for n in names]
        return np.asarray(values + [0.5], np.float32)  # last entry: need without region


def blend_categories(cfg: EngineConfig, chosen: np.ndarray, inferred: np.ndarray) -> np.ndarray:
    """Blend the poster's chosen categories with the inferred ones (see EngineConfig)."""
    if not cfg.use_category_inference:
        return chosen / chosen.sum() if chosen.sum() else chosen
    confident = confident_inferred(inferred, cfg.category_min_prob, cfg.category_margin)
    if chosen.sum():
        # Agreement 1 when the text gives the chosen codes at least their uniform share,
        # 0 when it gives them nothing: a contradicted choice weighs half as much.
        k = len(chosen)
        agreement = min(1.0, float(inferred[chosen > 0].sum()) * k / chosen.sum())
        w = cfg.chosen_category_weight * (0.5 + 0.5 * agreement)
        p = w * chosen / chosen.sum() + (1 - w) * confident
        # an inferred code never outweighs a chosen one
        cap = cfg.inferred_share * float(p[chosen > 0].min())
        p = np.where(chosen > 0, p, np.minimum(p, cap))
    else:
        p = cfg.inferred_share * confident
    p[p < cfg.category_min_prob] = 0.0
    return p.astype(np.float32)


def terms_of(analysis: Analysis) -> str:
    """The lexicon words of an analysed text, "|"-joined in the order they first gave a feature
    (kept per listing for explanations: ``_display`` of the row rebuilds ``analysis.display``)."""
    return "|".join(dict.fromkeys(analysis.display.values()))


def text_reach(X: sp.csr_matrix, columns: np.ndarray) -> np.ndarray:
    """Per row of L2-normalised ``X``: norm of its part on ``columns`` (1 = all matchable)."""
    if X.shape[0] == 0:
        return np.zeros(0, np.float32)
    if len(columns) != X.shape[1]:
        return np.ones(X.shape[0], np.float32)
    masked = X.multiply(columns[None, :].astype(np.float32)).tocsr()
    return np.sqrt(np.asarray(masked.multiply(masked).sum(axis=1)).ravel()).astype(np.float32)


def deploy_mask(modes: Iterable[str]) -> int:
    """Bit mask of deployment modes (one bit per mode of DEPLOYMENTS; unknown modes ignored)."""
    mask = 0
    for mode in modes:
        mask |= _DEPLOY_BIT.get(mode, 0)
    return mask


def num_or_nan(value: float | None) -> float:
    """A price or budget as a float, NaN when unknown."""
    return float("nan") if value is None else float(value)


def regions_overlap(a: str, b: str) -> bool:
    """Normalised region names overlap when one contains the other (河北 ⊃ 河北唐山)."""
    return bool(a) and bool(b) and (a.startswith(b) or b.startswith(a))


def norm_region(name: str) -> str:
    """Region name without its administrative suffix (广东省 → 广东, 北京市 → 北京)."""
    name = (name or "").strip()
    for suffix in ("特别行政区", "自治区", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            name = name[: -len(suffix)]
    return name
