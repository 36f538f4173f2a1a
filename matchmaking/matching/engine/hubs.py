"""Hubs: offerings written to be found by every need rather than to describe a product.

A vendor who lists the words buyers use most (客服、知识库、报告、审批、质检 …) in a short
text escapes every rule about the text's *shape* (listings/hype.py): it is not long, not
superlative, names no client. What gives it away is its *reach*: an honest offering shares
words with the needs of its own sector and application type and little with the others, while
the echo shares about as many with the needs of every sector and every type (a "hub" of the
need–offering similarity, as nearest-neighbour search calls the points that are close to
everything).

The measure, per offering: the mean text component against the needs of each sector (each need
counted under its most probable sector), and the same per application type; its *spread* is
the smaller of the ``hub_kth``-best sector mean and the ``hub_kth``-best type mean. An offering
for bank customer service reaches banking needs (first sector) and customer-service needs of
every sector (its types stay narrow); the echo reaches the third-best sector and the third-best
type as well as the first. Above ``hub_tolerance`` the excess is a severity in [0, 1] (full at
``hub_tolerance + hub_width``), and the offering loses ``hype_penalty`` × severity points for
every need, like hype.

The needs are a fixed sample of the indexed needs (``hub_reference`` rows spread evenly over the
needs' main segment), so that the measure costs one sparse product per offering segment and an
offering added later is measured against the same needs. A sector or type counts only when it
holds ``hub_min_share`` of the sample's needs, so a market of one or two sectors never makes
its own specialists look broad (fewer than ``hub_kth`` codes: no measure). Measured in MEASUREMENTS.md, "Issue 13v".
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from .config import EngineConfig
from .ranking import dense_query
from .scoring import text_component
from .semantic import fuse, semantic_cosines_many
from .store import Segment

#: Fewer reference needs than this: no measure (every severity 0).
MIN_REFERENCE_NEEDS = 8
#: Offerings per block of :meth:`HubsMixin.hub_spread` (× 256 needs: 8 MB per matrix).
HUB_BLOCK = 8192


def family_means(text: np.ndarray, probs: np.ndarray, min_share: float) -> np.ndarray:
    """Mean text component (``text``: needs × offerings) over the needs of each code of a
    family, each need counted under its most probable code (``probs``: needs × codes; a need
    without any is left out), for the codes holding at least ``min_share`` of the needs (and at
    least one): codes × offerings. Counting a need once, rather than spreading it over its
    probabilities, keeps a market of one sector one sector: its needs' weak second guesses do
    not make other sectors out of the same needs."""
    has = probs.max(axis=1) > 0
    members = np.zeros(probs.shape, np.float32)
    members[np.flatnonzero(has), probs.argmax(axis=1)[has]] = 1.0
    counts = members.sum(axis=0)
    kept = counts >= max(1.0, min_share * len(probs))
    # summed in float64: a column's means do not depend on how many columns share the product
    sums = members[:, kept].T.astype(np.float64) @ text.astype(np.float64)
    return sums / counts[kept, None]


def kth_largest(means: np.ndarray, kth: int) -> np.ndarray:
    """Per column, the ``kth``-largest value; 0 where there are fewer than ``kth`` codes."""
    if means.shape[0] < kth:
        return np.zeros(means.shape[1], np.float32)
    return np.sort(means, axis=0)[-kth].astype(np.float32)


def text_spread(
    text: np.ndarray, sector_p: np.ndarray, app_p: np.ndarray, kth: int, min_share: float
) -> np.ndarray:
    """The smaller of the sector spread and the application-type spread (see module)."""
    return np.minimum(
        kth_largest(family_means(text, sector_p, min_share), kth),
        kth_largest(family_means(text, app_p, min_share), kth),
    )


def hub_severity(spread: np.ndarray, config: EngineConfig) -> np.ndarray:
    """0 up to ``hub_tolerance``, rising to 1 at ``hub_tolerance + hub_width``."""
    excess = (spread - config.hub_tolerance) / max(config.hub_width, 1e-9)
    return np.clip(excess, 0.0, 1.0).astype(np.float32)


class HubsMixin:
    """Part of :class:`~.engine.MatchingEngine`: the hub severity of offering segments."""

    config: EngineConfig
    weights: dict[str, float]

    def _hub_reference(self) -> tuple[np.ndarray, np.ndarray, Mapping[str, np.ndarray]] | None:
        """The reference needs: ``hub_reference`` live rows spread evenly over the needs' main
        segment, as ``(columns, vectors, arrays)`` — the vocabulary columns they use, their
        vectors on those columns (columns × needs, dense) and their attribute arrays — or None
        if there are too few. Kept in the segment's memo."""
        needs = getattr(self, "needs", None)
        if needs is None:
            return None
        seg = needs.main
        cached = seg.cache.get("hub_reference")
        if cached is not None:
            return cached[0]
        live = np.flatnonzero(seg.alive)
        if len(live) < MIN_REFERENCE_NEEDS:
            reference = None
        else:
            count = min(len(live), self.config.hub_reference)
            rows = np.unique(live[np.linspace(0, len(live) - 1, count).round().astype(np.int64)])
            arrays = {k: seg.arrays[k][rows] for k in ("sector_p", "app_p", "reach", "sem")}
            reference = (*dense_query(sp.csr_matrix(seg.X[rows])), arrays)
        seg.cache["hub_reference"] = (reference,)
        return reference

    def hub_spread(self, seg: Segment) -> np.ndarray:
        """Per offering of ``seg``: its text spread over the reference needs (0 without them).

        Made HUB_BLOCK offerings at a time (the needs × offerings matrix of 100k offerings
        would hold 100 MB). Each offering's values come from products of its own row (the
        sparse rows one by one, the semantic cosines one offering at a time), so an offering
        measured alone — added, or ranked for its opportunities — gets exactly the severity
        it has in the index."""
        reference = self._hub_reference() if self.config.hub_tolerance < 1.0 else None
        if reference is None or len(seg) == 0:
            return np.zeros(len(seg), np.float32)
        cols, dense, NV = reference
        cfg = self.config
        X = sp.csr_matrix(seg.X[:, cols])
        sector_sums, app_sums = [], []
        for lo in range(0, len(seg), HUB_BLOCK):
            block = slice(lo, lo + HUB_BLOCK)
            lexical = np.asarray(X[block] @ dense, np.float32).T  # needs × offerings
            text = lexical
            if cfg.semantic_weight > 0 and NV["sem"].shape[1]:
                sem = semantic_cosines_many(NV["sem"], seg.arrays["sem"][block]).T
                text = fuse(
                    lexical, sem, cfg.semantic_weight, cfg.semantic_floor, cfg.semantic_mode
                )
            component = text_component(cfg, text, NV["reach"])
            sector_sums.append(family_means(component, NV["sector_p"], cfg.hub_min_share))
            app_sums.append(family_means(component, NV["app_p"], cfg.hub_min_share))
        return np.minimum(
            kth_largest(np.hstack(sector_sums), cfg.hub_kth),
            kth_largest(np.hstack(app_sums), cfg.hub_kth),
        )

    def hub_severities(self) -> list[tuple[str, float]]:
        """``(ref, severity)`` of every indexed live offering that is demoted as a hub, most
        demoted first (what moderators are shown)."""
        found: list[tuple[str, float]] = []
        for seg in self.offerings.segments if self.offerings is not None else ():
            severity = seg.arrays["hub"]
            for row in np.flatnonzero((severity > 0) & seg.alive):
                found.append((seg.refs[row], float(severity[row])))
        return sorted(found, key=lambda item: (-item[1], item[0]))

    def mark_hubs(self, seg: Segment) -> None:
        """Set ``seg``'s ``hub`` severities and take their points off its ``static`` part."""
        severity = hub_severity(self.hub_spread(seg), self.config)
        previous = seg.arrays.get("hub")
        if previous is not None:
            seg.arrays["static"] = seg.arrays["static"] + self.config.hype_penalty * previous
        seg.arrays["hub"] = severity
        seg.arrays["static"] = (seg.arrays["static"] - self.config.hype_penalty * severity).astype(
            np.float32
        )
