"""Ranking metrics on tiny hand-computed examples (no Django, no DB)."""

from __future__ import annotations

import math

import pytest

from matchmaking.matching.engine.documents import NeedDoc, OfferingDoc
from matchmaking.matching.engine.metrics import (
    dcg,
    evaluate_rankings,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    reciprocal_rank,
    violates,
    violation_at_k,
)

GRADES = {"a": 3, "b": 0, "c": 2, "d": 1}


def _offering(ref: str, deployment=("saas",), price_min=None) -> OfferingDoc:
    return OfferingDoc(
        ref, "v", ref, "", "", "product", None, (), (), deployment, price_min, None, (), ()
    )


def _need(deployment=(), budget_max=None) -> NeedDoc:
    return NeedDoc("n", "e", "t", "", (), (), deployment, None, budget_max, None)


class DcgTests:
    def test_dcg_sums_exponential_gains_discounted_by_log_rank(self):
        """DCG = Σ (2^g − 1) / log2(rank + 1)."""
        assert dcg([3, 0, 2]) == pytest.approx(7 + 0 + 3 / 2)

    def test_ndcg_divides_by_the_dcg_of_the_ideal_order(self):
        """The ideal order uses every labelled grade of the need, not only the ranked ones."""
        ideal = 7 + 3 / math.log2(3) + 1 / 2
        assert ndcg_at_k(["a", "b", "c"], GRADES, 3) == pytest.approx(8.5 / ideal)

    def test_ndcg_is_one_for_the_ideal_ranking(self):
        assert ndcg_at_k(["a", "c", "d", "b"], GRADES, 5) == pytest.approx(1.0)

    def test_ndcg_is_zero_when_the_need_has_no_positive_grade(self):
        assert ndcg_at_k(["x"], {"x": 0}, 5) == 0.0


class PrecisionTests:
    def test_precision_at_3_counts_grades_of_two_or_more(self):
        assert precision_at_k(["a", "b", "c"], GRADES, 3) == pytest.approx(2 / 3)

    def test_missing_positions_count_as_misses(self):
        """A list shorter than k is not rewarded for being short."""
        assert precision_at_k(["a"], GRADES, 3) == pytest.approx(1 / 3)


class ReciprocalRankTests:
    def test_reciprocal_rank_of_the_first_grade_three(self):
        assert reciprocal_rank(["b", "a"], GRADES) == 0.5

    def test_reciprocal_rank_is_zero_without_a_grade_three(self):
        assert reciprocal_rank(["b", "c"], GRADES) == 0.0


class RecallTests:
    def test_recall_at_10_is_the_share_of_good_offerings_found(self):
        grades = {"a": 3, "c": 2, "e": 2}
        assert recall_at_k(["a", "x", "c"], grades, 10) == pytest.approx(2 / 3)

    def test_recall_is_undefined_without_good_offerings(self):
        assert recall_at_k(["a"], {"a": 1}, 10) is None


class ViolationTests:
    def test_no_accepted_deployment_mode_is_a_violation(self):
        assert violates(_need(deployment=("private",)), _offering("o", deployment=("saas",)))

    def test_any_deployment_is_accepted_when_the_need_lists_none(self):
        assert not violates(_need(), _offering("o", deployment=("saas",)))

    def test_price_eight_times_the_budget_is_a_violation(self):
        assert violates(_need(budget_max=100), _offering("o", price_min=800))
        assert not violates(_need(budget_max=100), _offering("o", price_min=799))

    def test_violation_at_5_only_looks_at_the_top_five(self):
        offerings = {r: _offering(r) for r in "abcde"}
        offerings["f"] = _offering("f", deployment=("public_api",))
        need = _need(deployment=("saas",))
        assert not violation_at_k(list("abcdef"), need, offerings, 5)
        assert violation_at_k(list("fabcde"), need, offerings, 5)


class EvaluateRankingsTests:
    def test_metrics_are_averaged_over_needs(self):
        """Two needs, one ranked perfectly and one with nothing relevant, average to 0.5."""
        needs = [
            NeedDoc("n1", "e", "t", "", (), (), (), None, None, None),
            NeedDoc("n2", "e", "t", "", (), (), (), None, None, None),
        ]
        offerings = {"a": _offering("a"), "b": _offering("b")}
        labels = {"n1": {"a": 3}, "n2": {"b": 3}}
        report = evaluate_rankings(needs, offerings, labels, lambda need: ["a", "b"])
        assert report.mrr == pytest.approx((1 + 0.5) / 2)
        assert report.viol5 == 0.0
        assert report.n_needs == 2
