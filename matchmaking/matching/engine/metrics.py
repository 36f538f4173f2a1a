"""Ranking metrics of ../shared/data/README.md (pure functions, reused by `evaluate_matching`).

``ranked`` is the list of offering refs in rank order (rank 1 first); ``grades`` maps offering
refs to graded labels 0–3 (unlisted refs are grade 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .documents import NeedDoc, OfferingDoc


def dcg(gains: Sequence[int]) -> float:
    """Σ (2^grade − 1) / log2(rank + 1), rank starting at 1."""
    return sum((2**g - 1) / math.log2(rank + 1) for rank, g in enumerate(gains, start=1))


def ndcg_at_k(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """DCG of the top ``k`` divided by the DCG of the ideal order (0 when no positive grade)."""
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([grades.get(ref, 0) for ref in ranked[:k]]) / ideal


def precision_at_k(
    ranked: Sequence[str], grades: Mapping[str, int], k: int = 3, min_grade: int = 2
) -> float:
    """Share of the top ``k`` positions holding a grade ≥ ``min_grade`` (empty slots count as misses)."""
    return sum(1 for ref in ranked[:k] if grades.get(ref, 0) >= min_grade) / k


def reciprocal_rank(ranked: Sequence[str], grades: Mapping[str, int], grade: int = 3) -> float:
    """1 / rank of the first offering of ``grade`` (or more); 0 if none is ranked."""
    for rank, ref in enumerate(ranked, start=1):
        if grades.get(ref, 0) >= grade:
            return 1.0 / rank
    return 0.0


def recall_at_k(
    ranked: Sequence[str], grades: Mapping[str, int], k: int = 10, min_grade: int = 2
) -> float | None:
    """Share of the need's grade ≥ ``min_grade`` offerings found in the top ``k``; None if it has none."""
    relevant = {ref for ref, g in grades.items() if g >= min_grade}
    if not relevant:
        return None
    return len(relevant & set(ranked[:k])) / len(relevant)


def violates(need: NeedDoc, offering: OfferingDoc, price_factor: float = 8.0) -> bool:
    """The evaluation's hard-constraint breach: no accepted deployment mode, or price ≥ 8× budget."""
    if need.deployment and not set(need.deployment) & set(offering.deployment):
        return True
    return (
        need.budget_max is not None
        and offering.price_min is not None
        and offering.price_min >= price_factor * need.budget_max
    )


def breaks_must_have(need: NeedDoc, offering: OfferingDoc) -> bool:
    """The offering fails a must-have of the need (信创, data on premises, 备案)."""
    return (
        (need.requires_domestic_hw and not offering.domestic_hw)
        or (need.requires_on_premises and not offering.on_premises)
        or (need.requires_filing and not offering.has_filing)
    )


def is_box_ticking(offering: OfferingDoc) -> bool:
    """Claims at least 5 of the 6 sectors and 5 of the 6 application types (stuff@5)."""
    return len(set(offering.sectors)) >= 5 and len(set(offering.app_types)) >= 5


def violation_at_k(
    ranked: Sequence[str], need: NeedDoc, offerings: Mapping[str, OfferingDoc], k: int = 5
) -> bool:
    """Whether any of the top ``k`` breaches a hard constraint of ``need``."""
    return any(violates(need, offerings[ref]) for ref in ranked[:k])


@dataclass(frozen=True)
class Report:
    """Mean metrics over needs."""

    ndcg5: float
    ndcg10: float
    p3: float
    mrr: float
    recall10: float
    viol5: float
    n_needs: int
    must5: float = 0.0  # share of needs with a must-have breach in the top 5
    stuff5: float = 0.0  # share of needs whose top 5 holds a box-ticking offering

    def as_row(self) -> list[str]:
        return [
            f"{v:.3f}"
            for v in (
                self.ndcg5,
                self.ndcg10,
                self.p3,
                self.mrr,
                self.recall10,
                self.viol5,
                self.must5,
                self.stuff5,
            )
        ]


HEADERS = ["nDCG@5", "nDCG@10", "P@3", "MRR", "R@10", "viol@5", "must@5", "stuff@5"]


def evaluate_rankings(
    needs: Sequence[NeedDoc],
    offerings: Mapping[str, OfferingDoc],
    labels: Mapping[str, Mapping[str, int]],
    rank: Callable[[NeedDoc], Sequence[str]],
) -> Report:
    """Average the metrics over ``needs``; ``rank(need)`` returns ranked offering refs."""
    sums = dict.fromkeys(("n5", "n10", "p3", "mrr", "viol", "must", "stuff"), 0.0)
    recalls: list[float] = []
    for need in needs:
        ranked = list(rank(need))
        grades = labels.get(need.ref, {})
        sums["n5"] += ndcg_at_k(ranked, grades, 5)
        sums["n10"] += ndcg_at_k(ranked, grades, 10)
        sums["p3"] += precision_at_k(ranked, grades, 3)
        sums["mrr"] += reciprocal_rank(ranked, grades)
        sums["viol"] += violation_at_k(ranked, need, offerings, 5)
        top5 = [offerings[ref] for ref in ranked[:5]]
        sums["must"] += any(breaks_must_have(need, o) for o in top5)
        sums["stuff"] += any(is_box_ticking(o) for o in top5)
        rec = recall_at_k(ranked, grades, 10)
        if rec is not None:
            recalls.append(rec)
    n = max(1, len(needs))
    return Report(
        ndcg5=sums["n5"] / n,
        ndcg10=sums["n10"] / n,
        p3=sums["p3"] / n,
        mrr=sums["mrr"] / n,
        recall10=sum(recalls) / len(recalls) if recalls else 0.0,
        viol5=sums["viol"] / n,
        n_needs=len(needs),
        must5=sums["must"] / n,
        stuff5=sums["stuff"] / n,
    )
