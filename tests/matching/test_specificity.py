"""Specific claims beat broad ones (engine/specificity.py) and text refusals are constraints."""

from __future__ import annotations

import numpy as np

from matchmaking.matching.engine import MatchingEngine
from matchmaking.matching.engine.metrics import breaks_must_have, is_box_ticking
from matchmaking.matching.engine.specificity import (
    claim_weight,
    confident_inferred,
    is_vague_box_ticking,
    wants_foundation,
)

from .test_engine import CS_TEXT, need, offering, refs

ALL_SECTORS = ("government", "finance", "healthcare", "industry", "culture_tourism", "smart_city")
ALL_APPS = ("content_generation", "qa", "it_support", "data_analysis", "recognition", "hardware")


class SpecificityTests:
    def test_a_claim_weighs_less_the_more_codes_are_claimed(self):
        assert claim_weight(1) == claim_weight(3) == 1.0
        assert claim_weight(6) == 0.5
        assert claim_weight(0) == 0.0

    def test_a_near_uniform_guess_counts_for_nothing(self):
        uniform = np.full(6, 1 / 6, np.float32)
        assert not confident_inferred(uniform, 0.1, 0.05).any()
        clear = np.array([0.6, 0.2, 0.05, 0.05, 0.05, 0.05], np.float32)
        out = confident_inferred(clear, 0.1, 0.05)
        assert out[0] == np.float32(0.6) and out[1] == np.float32(0.2) and out[2:].sum() == 0

    def test_only_a_need_asking_for_a_model_wants_the_foundation_layer(self):
        assert wants_foundation("希望调用通用大模型api，自己微调") == 1.0
        assert wants_foundation("信用卡中心来电太多，想上智能客服") == 0.0

    def test_a_vague_box_ticking_offering_is_never_suggested_in_either_direction(self):
        specific = offering("o-specific")
        stuffed = offering(
            "o-stuffed",
            title="全栈AI平台",
            summary="赋能千行百业，业界第一，全场景覆盖",
            description="全栈AI平台，赋能千行百业。" + CS_TEXT,
            layer="foundation",
            sectors=ALL_SECTORS,
            app_types=ALL_APPS,
            deployment=("public_api", "private", "appliance", "saas"),
            price_min=None,
            price_max=None,
        )
        assert is_vague_box_ticking(("superlatives", "tag_stuffing"))
        assert not is_vague_box_ticking(("superlatives",))
        engine = MatchingEngine().fit([specific, stuffed], [need()], ())
        assert refs(engine.rank_offerings(need(), top_k=5)) == ["o-specific"]
        assert refs(engine.rank_needs(stuffed)) == []
        assert refs(engine.rank_needs(specific)) == ["n-1"]

    def test_a_concrete_box_ticking_offering_ranks_below_a_specific_one(self):
        specific = offering("o-specific")
        broad = offering(
            "o-broad",
            title="智能客服与知识库平台",
            description=CS_TEXT + "，对接工单、病历、合同、票据、视频、语音接口，支持私有化部署",
            sectors=ALL_SECTORS,
            app_types=ALL_APPS,
        )
        ranked = MatchingEngine().fit([specific, broad], [], ()).rank_offerings(need())
        assert refs(ranked) == ["o-specific", "o-broad"]
        assert ranked[0].score > ranked[1].score

    def test_an_unknown_price_earns_no_budget_points(self):
        priced, unpriced = (
            offering("o-priced"),
            offering("o-unpriced", price_min=None, price_max=None),
        )
        ranked = MatchingEngine().fit([priced, unpriced], [], ()).rank_offerings(need())
        budget = {s.target_ref: s.components["budget"] for s in ranked}
        assert budget == {"o-priced": 1.0, "o-unpriced": 0.0}
        assert "price_unknown" in {r.code for r in ranked[1].reasons}


class TextRefusalTests:
    def test_refusing_public_cloud_in_words_excludes_public_cloud_only_offerings(self):
        cloud = offering("o-cloud", deployment=("public_api", "saas"))
        private = offering("o-private", deployment=("private",))
        engine = MatchingEngine().fit([cloud, private], [], ())
        refusing = need(description=CS_TEXT + "。不要公有云，不能调用外部接口。")
        assert refs(engine.rank_offerings(refusing)) == ["o-private"]
        assert set(refs(engine.rank_offerings(need()))) == {"o-cloud", "o-private"}


class EvaluationFlagTests:
    def test_must_have_breach_and_box_ticking_are_recognised(self):
        assert breaks_must_have(need(requires_filing=True), offering("o", has_filing=False))
        assert not breaks_must_have(need(requires_filing=True), offering("o", has_filing=True))
        assert breaks_must_have(need(requires_domestic_hw=True), offering("o"))
        assert breaks_must_have(need(requires_on_premises=True), offering("o"))
        assert is_box_ticking(offering("o", sectors=ALL_SECTORS[:5], app_types=ALL_APPS[:5]))
        assert not is_box_ticking(offering("o", sectors=ALL_SECTORS, app_types=ALL_APPS[:4]))
