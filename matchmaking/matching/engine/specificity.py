"""How much a category claim, a layer or an inferred category is worth (pure, no Django).

Ticking every box must not pay: an offering claiming every sector is no more a finance product
than one claiming none. A claim's weight falls with the number of codes claimed beyond a
handful, an inferred category counts only when the classifier is confident (a clear margin over
the runner-up) and always less than a category the poster chose, and layer points follow what
the need asks for (an application by default, a model or platform when the text asks for one).
"""

from __future__ import annotations

import re

import numpy as np

from .text import normalize

#: Codes an offering may claim in one family at full weight; beyond, each weighs ``FULL / k``.
FULL_CLAIMS = 3


def claim_weight(n_claimed: int, full: int = FULL_CLAIMS) -> float:
    """Weight of each of ``n_claimed`` codes of one family (1 up to ``full`` codes, then full/k)."""
    if n_claimed <= 0:
        return 0.0
    return min(1.0, full / n_claimed)


def is_vague_box_ticking(hype_reasons: tuple[str, ...]) -> bool:
    """An offering claiming (almost) every sector and application type whose text backs none of
    them with concrete words (``listings.hype`` flags it ``tag_stuffing``) is no candidate at all:
    its claims say nothing, and its text, vague by definition, is no evidence either. It may come
    back by describing what it does; a broad offering with concrete text is only weighed down
    (``claim_weight``)."""
    return "tag_stuffing" in hype_reasons


def confident_inferred(p: np.ndarray, min_prob: float, margin: float) -> np.ndarray:
    """The inferred probabilities worth counting: nothing unless the best code leads the
    runner-up by ``margin``; then every code at least ``min_prob`` (near-uniform guesses,
    where every code clears a small cut-off, count for nothing)."""
    p = np.asarray(p, np.float32)
    if p.size < 2:
        return p.copy()
    top2 = np.sort(p)[-2:]
    if top2[1] - top2[0] < margin:
        out = np.zeros_like(p)
        # a tie at the top still tells the family: keep the tied leaders when clearly above the rest
        rest = np.sort(p)[:-2]
        if rest.size and top2[0] - rest.max() >= margin and top2[0] >= min_prob:
            out[p >= top2[0]] = p[p >= top2[0]]
        return out
    out = p.copy()
    out[out < min_prob] = 0.0
    return out


#: Layer fit per declared layer. A need that does not ask for a model or platform gives every
#: layer the same points (cross-validated over the three development files: favouring either
#: applications or general models reversed between files); one that asks for a model gives
#: them to foundation-layer offerings.
LAYER_APPLICATION_FIT = {"application": 0.5, "industry": 0.5, "foundation": 0.5, None: 0.5}
LAYER_FOUNDATION_FIT = {"foundation": 1.0, "industry": 0.6, "application": 0.2, None: 0.4}

_WANTS_MODEL = re.compile(
    r"基座|基础模型|通用大模型|通用模型|大模型api|模型api|模型接口|api调用|调用接口|微调|精调|"
    r"预训练|训练自己的|自有模型|私有化大模型|模型底座|开源模型|大模型平台|模型服务平台|maas"
)


def wants_foundation(text: str) -> float:
    """How much a need asks for a model or platform rather than a ready application (0–1)."""
    hits = len(_WANTS_MODEL.findall(normalize(text)))
    return min(1.0, 0.5 * hits)
