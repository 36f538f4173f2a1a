"""Settings and constants of the matching engine: components and weights, kind compatibility,
layer breadth, and :class:`EngineConfig` (the measured defaults)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .categories import CategoryOptions
from .specificity import LAYER_APPLICATION_FIT
from .text import AnalyzerOptions

COMPONENTS: tuple[str, ...] = (
    "text",
    "sector",
    "app_type",
    "kind",
    "budget",
    "evidence",
    "region",
    "compliance",
    "layer",
    "freshness",
)

#: Relative weights (normalised to sum 100). What the need says (text, categories) dominates;
#: fit (kind, budget) next; evidence and the rest only order near-equals.
DEFAULT_WEIGHTS: dict[str, float] = {
    "text": 40.0,
    "sector": 15.0,
    "app_type": 20.0,
    "kind": 8.0,
    "budget": 6.0,
    "evidence": 5.0,
    "region": 2.0,
    "compliance": 2.0,
    "layer": 5.0,
    "freshness": 1.0,
}

#: How well an offering kind (columns) serves a need wanting a kind (rows), order of KINDS.
KIND_COMPAT = np.array(
    [
        [1.0, 0.0, 0.0, 0.5],  # need wants a product: a service (integration, tuning) may do
        [0.0, 1.0, 0.0, 0.0],  # compute
        [0.0, 0.0, 1.0, 0.5],  # data: a data service (labelling) may do
        [0.5, 0.0, 0.0, 1.0],  # service
    ],
    dtype=np.float32,
)

#: How general an offering of each layer is: a general one is less gated by text evidence
#: (its category fit needs fewer words in common with the need).
LAYER_BREADTH = {"foundation": 1.0, "industry": 0.5, "application": 0.0, None: 0.5}

#: Category fit of a horizontal offering (no declared sectors/app types) for any category.
HORIZONTAL_FIT = 0.5


#: Offering arrays read by ``fast_total`` and ``candidates`` (gathered for candidate rows).
RANK_KEYS = (
    "static",
    "sector",
    "app",
    "breadth",
    "kind",
    "cases",
    "price32",
    "price_min",
    "dep",
    "org",
    "layer",
    "layer_f",
    "flags",
    "stuffed",
)


@dataclass(frozen=True)
class EngineConfig:
    """Settings of the engine (weights, constraints, text analysis); defaults are the measured ones."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    budget_hard_factor: float = 5.0  # min price ≥ factor × budget max → excluded
    budget_soft_factor: float = 2.0  # min price ≥ factor × budget max → budget component 0
    max_per_vendor_in_top5: int = 2
    diversity_window: int = 5
    # Categories: the poster's choice weighs this much against the text's inferred categories,
    # halved when the text contradicts it; inferred probabilities below min_prob are ignored.
    chosen_category_weight: float = 0.6
    category_min_prob: float = 0.1
    use_category_inference: bool = True
    use_lexicon: bool = True
    category: CategoryOptions = field(default_factory=CategoryOptions)
    analyzer: AnalyzerOptions = field(default_factory=AnalyzerOptions)
    family_weights: Mapping[str, float] = field(
        default_factory=lambda: {"w": 1.0, "b": 0.5, "s": 1.5, "c": 1.5}
    )
    max_df: float = 0.4
    specific_gate_at: float = 0.5
    # share of an offering's category fit it keeps with no text in common with the need (0.3
    # before issue 13q; 0.1–0.2 best on the mean over the six labelled files, MEASUREMENTS.md)
    specific_gate_floor: float = 0.15
    horizontal_breadth: float = 0.5
    layer_needs_app_type: bool = False
    use_reach: bool = True
    min_reach: float = 0.3
    text_scale: float = 0.6  # text cosine (over the reach) at which the text component is 1
    freshness_half_life_days: float = 180.0
    key_phrases_max: int = 5
    include_case_text: bool = True  # a published case's text is part of its offering's text
    merge_delta_at: int = 2000  # incremental adds are merged into the main segment past this
    workers: int = 0  # processes for text analysis at build time; 0 = one per CPU core
    # Rank one need by scoring only the offerings whose score bound can reach the pool's cut
    # (text cosine, category overlap); False = dense scoring of all offerings (same results).
    candidate_generation: bool = True
    # The first candidates (largest score bound) are this many times the pool size; their k-th
    # best allowed total is the cut that the score bound of the other offerings must reach.
    first_candidates: float = 4.0
    # Inferred categories count only with this margin of the best code over the runner-up,
    # and at most ``inferred_share`` of a chosen category's weight.
    category_margin: float = 0.05
    inferred_share: float = 0.9
    # Points taken off an offering flagged for hype or tag stuffing (listings/hype.py), × severity.
    hype_penalty: float = 25.0
    # Hubs (hubs.py): an offering whose text reaches the needs of its ``hub_kth``-best sector
    # and type on average beyond ``hub_tolerance`` loses hype_penalty × the excess / hub_width
    # (at most 1); measured against ``hub_reference`` indexed needs, counting a sector or type
    # only with ``hub_min_share`` of them. hub_tolerance ≥ 1 switches the measure off.
    # Two offerings of different organisations whose text vectors reach this cosine are a
    # copy and its original: the later one ranks behind (ranking.demote_copies; 1 = off).
    # Honest pairs in the nine labelled files reach 0.67 at most; the probe's copies 0.98–0.99,
    # 0.82 when the original's published cases add their text to its vector.
    copy_cosine: float = 0.8
    hub_kth: int = 3
    hub_tolerance: float = 0.2
    hub_width: float = 0.05
    hub_reference: int = 256
    hub_min_share: float = 0.04
    # codes of one family an offering may claim at full weight (specificity.claim_weight)
    claim_full_codes: int = 3
    # layer fit when the need does not ask for a model or platform (None: layer not given)
    layer_fit: Mapping[str | None, float] = field(
        default_factory=lambda: dict(LAYER_APPLICATION_FIT)
    )
    # Latent semantic analysis of character n-grams (semantic.py): dimensions (0 = off); the
    # text cosine of a pair is max(lexical, semantic_weight × max(0, semantic − floor))
    # ("max"; "add" adds the two). Chosen by leave-one-file-out over seven labelled files
    # (MEASUREMENTS.md, "Issue 13s").
    semantic_dim: int = 64
    semantic_weight: float = 0.4
    semantic_floor: float = 0.0
    semantic_mode: str = "max"
    semantic_lexicon_docs: bool = True  # lexicon groups as extra documents of the fit
