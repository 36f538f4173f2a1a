"""The hype and tag-stuffing detector (listings/hype.py) and its flags in the moderation queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matchmaking.listings import services
from matchmaking.listings.hype import (
    assess_listing,
    enumerated_items,
    is_stuffed,
    sectors_named,
)

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


# Box-ticking in the text: one sentence per sector, categories left empty (a gaming probe's text).
SECTOR_SPREAD_TEXT = (
    "为银行和保险机构建设智能客服和信贷报告生成；为政府部门提供公文起草和政策咨询；"
    "为医院提供病历生成和导诊问答；为制造企业提供产线质检和设备故障诊断；"
    "为景区提供游客咨询和导览讲解；为城市管理部门提供交通流量分析和应急指挥辅助。"
)
# The words buyers use most, listed (a gaming probe's "need echo"): 40 bare items.
KEYWORD_LIST_TEXT = "我们的能力包括：\n" + "\n".join(
    f"{line}. 支持" + "、".join(words) + "。"
    for line, words in enumerate(
        [
            ["客服", "知识库", "问答", "工单", "报告"],
            ["数据", "分析", "预测", "质检", "识别"],
            ["病历", "公文", "文案", "导览", "合同"],
            ["票据", "语音", "视频", "巡检", "调度"],
            ["审核", "检索", "摘要", "翻译", "标注"],
            ["运维", "告警", "排产", "营销", "培训"],
            ["问诊", "理赔", "风控", "舆情", "热线"],
            ["档案", "图纸", "工艺", "设备", "能耗"],
        ],
        start=1,
    )
)


class TextBoxTickingTests:
    """Box-ticking moved from the claims into the text: naming every sector's clients, or
    listing the words buyers use most. Both are flagged whatever categories are declared."""

    def test_a_text_naming_the_clients_of_every_sector_is_flagged_as_spread(self):
        assert sectors_named(SECTOR_SPREAD_TEXT) == set(ALL_SECTORS)
        result = assess_listing(title="企业级大模型应用定制", text=SECTOR_SPREAD_TEXT)
        assert result.reasons == ("sector_spread",)
        assert result.severity == pytest.approx(0.6)

    def test_a_text_naming_a_few_sectors_is_not_flagged(self):
        text = "已在银行信用卡中心、三甲医院和区政务服务中心上线，" + CONCRETE
        assert len(sectors_named(text)) == 3
        assert not assess_listing(title="智能客服", text=text, sectors=["finance"]).flagged

    def test_declared_box_ticking_is_not_counted_twice(self):
        result = assess_listing(
            title="全栈AI平台",
            text="赋能千行百业。" + SECTOR_SPREAD_TEXT,
            sectors=ALL_SECTORS,
            app_types=ALL_APPS,
        )
        assert "tag_stuffing" in result.reasons
        assert "sector_spread" not in result.reasons

    def test_a_description_that_is_a_list_of_keywords_is_flagged(self):
        items, share = enumerated_items(KEYWORD_LIST_TEXT)
        assert items == 40 and share > 0.5
        result = assess_listing(title="大模型业务场景应用解决方案", text=KEYWORD_LIST_TEXT)
        assert "keyword_list" in result.reasons

    def test_a_concrete_text_with_one_enumeration_is_not_a_keyword_list(self):
        text = "提供文本生成、智能问答、摘要、翻译和代码生成能力。" + CONCRETE
        items, _ = enumerated_items(text)
        assert 3 <= items < 25
        assert "keyword_list" not in assess_listing(title="通用大模型API", text=text).reasons

    def test_a_title_of_keywords_is_a_keyword_list(self):
        title = "智能客服 知识库问答 公文写作 病历生成 视觉质检 数据分析"
        assert "keyword_list" in assess_listing(title=title, text=CONCRETE).reasons
        assert not assess_listing(title="银行智能客服 坐席助手", text=CONCRETE).flagged


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

    def test_text_box_ticking_is_flagged_in_the_queue(self, client, vendor, staff):
        spread = services.offering_create(
            organization=vendor,
            title="企业级大模型应用定制",
            summary="面向多个行业提供大模型应用",
            description=SECTOR_SPREAD_TEXT,
            kind="product",
            submit=True,
        )
        listed = services.offering_create(
            organization=vendor,
            title="大模型业务场景应用解决方案",
            summary="围绕客户业务场景提供大模型应用",
            description=KEYWORD_LIST_TEXT,
            kind="product",
            submit=True,
        )
        spread.refresh_from_db()
        listed.refresh_from_db()
        assert spread.hype_flags == ["sector_spread"]
        assert "keyword_list" in listed.hype_flags
        client.force_login(staff)
        html = client.get(reverse("listings:moderation-queue")).content.decode()
        assert "正文点名了几乎所有行业的客户" in html
        assert "正文主要是关键词罗列" in html

    def test_the_migration_recomputes_the_flags_of_live_offerings(self, vendor):
        import importlib

        from django.apps import apps

        from matchmaking.listings.models import Offering

        migration = importlib.import_module(
            "matchmaking.listings.migrations.0009_recompute_hype_flags"
        )
        spread = services.offering_create(
            organization=vendor,
            title="企业级大模型应用定制",
            summary="面向多个行业",
            description=SECTOR_SPREAD_TEXT,
            kind="product",
        )
        plain = services.offering_create(
            organization=vendor,
            title="银行智能客服",
            summary="信用卡中心",
            description=CONCRETE,
            kind="product",
        )
        # As stored before the detector knew text box-ticking:
        Offering.objects.filter(pk=spread.pk).update(hype_flags=[])
        migration.recompute_hype_flags(apps, None)
        spread.refresh_from_db()
        plain.refresh_from_db()
        assert spread.hype_flags == ["sector_spread"]
        assert plain.hype_flags == []

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
