"""The hype and tag-stuffing detector (listings/hype.py) and its flags in the moderation queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matchmaking.listings import services
from matchmaking.listings.hype import assess_listing, is_stuffed

ALL_SECTORS = ["government", "finance", "healthcare", "industry", "culture_tourism", "smart_city"]
ALL_APPS = ["content_generation", "qa", "it_support", "data_analysis", "recognition", "hardware"]
CONCRETE = (
    "面向银行信用卡中心：机器人回答额度、分期、还款等常见问题，坐席接听时推荐话术，"
    "通话结束生成小结；可对接现有呼叫中心和知识库，部署在行内机房，响应时间低于500ms。"
)


class DetectorTests:
    def test_superlatives_and_unverifiable_claims_are_flagged(self):
        result = assess_listing(title="业界第一的智能客服", text="准确率100%，颠覆传统客服")
        assert result.reasons == ("superlatives",)
        assert {"业界第一", "颠覆"} <= set(result.phrases)
        assert 0 < result.severity <= 1

    def test_a_buzzword_pile_without_facts_is_flagged(self):
        text = "以数智底座赋能生态，打造一站式全链路闭环，助力降本增效，引领创新，重塑智能化升级。"
        assert "buzzwords" in assess_listing(title="数智平台", text=text).reasons

    def test_claiming_every_category_with_vague_text_is_tag_stuffing(self):
        result = assess_listing(
            title="全栈AI平台", text="赋能千行百业", sectors=ALL_SECTORS, app_types=ALL_APPS
        )
        assert "tag_stuffing" in result.reasons
        assert is_stuffed(ALL_SECTORS, ALL_APPS)
        assert not is_stuffed(ALL_SECTORS[:4], ALL_APPS)

    def test_a_concrete_specific_listing_is_not_flagged(self):
        result = assess_listing(
            title="银行智能客服与坐席助手", text=CONCRETE, sectors=["finance"], app_types=["qa"]
        )
        assert not result.flagged and result.severity == 0

    def test_one_mild_marketing_word_in_a_concrete_text_is_not_flagged(self):
        assert not assess_listing(
            title="智慧城市视频分析", text=CONCRETE + "助力城市治理。"
        ).flagged


@pytest.mark.django_db
class ModerationQueueHypeTests:
    def test_a_hype_listing_is_flagged_with_its_reason_in_the_queue(self, client, vendor, staff):
        hyped = services.offering_create(
            organization=vendor,
            title="全栈AI平台",
            summary="业界第一，赋能千行百业",
            description="全场景覆盖，准确率100%，颠覆传统。",
            kind="product",
            sectors=ALL_SECTORS,
            app_types=ALL_APPS,
            submit=True,
        )
        plain = services.offering_create(
            organization=vendor,
            title="银行智能客服与坐席助手",
            summary="信用卡中心智能客服",
            description=CONCRETE,
            kind="product",
            sectors=["finance"],
            app_types=["qa"],
            submit=True,
        )
        hyped.refresh_from_db()
        assert set(hyped.hype_flags) == {"superlatives", "tag_stuffing"}
        assert plain.hype_flags == []
        client.force_login(staff)
        response = client.get(reverse("listings:moderation-queue"))
        assert list(response.context["hype"]) == [hyped]
        html = response.content.decode()
        assert "几乎勾选了全部行业和应用类型" in html
        assert "夸大或无法验证的宣传用语" in html

    def test_editing_away_the_hype_clears_the_flag(self, vendor):
        offering = services.offering_create(
            organization=vendor,
            title="业界第一的颠覆性客服",
            summary="遥遥领先",
            description="准确率100%",
            kind="product",
        )
        assert offering.hype_flags == ["superlatives"]
        services.offering_update(
            offering=offering, title="银行智能客服", summary="信用卡中心", description=CONCRETE
        )
        offering.refresh_from_db()
        assert offering.hype_flags == []

    def test_the_queue_is_for_admins_only(self, client, vendor_member):
        client.force_login(vendor_member)
        response = client.get(reverse("listings:moderation-queue"))
        assert response.status_code in (403, 404)
