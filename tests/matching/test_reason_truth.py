"""Reasons are true (hypothesis over random pairs): a shared keyword occurs in both texts, a
synonym or topic link names a word of each side, no fragment, no negated word."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaking.matching.engine import EngineConfig, MatchingEngine, NeedDoc, OfferingDoc
from matchmaking.matching.engine.documents import need_text, offering_text
from matchmaking.matching.engine.negation import analyse_negation
from matchmaking.matching.engine.text import normalize

CLAUSES = [
    "信用卡中心来电排队严重，想用智能客服分流常见问题",
    "坐席接听时推荐话术，挂机后自动生成小结",
    "数据不能出行，必须在行内部署",
    "不需要API，不要公有云",
    "没有机房，希望用SaaS订阅",
    "医院病历书写负担重，希望自动生成病历",
    "产线冲压件划痕漏检，需要视觉检测",
    "景区游客需要手机讲解和出行路线规划",
    "12345热线工单自动分类派单",
    "不考虑一体机，已有服务器",
    "大模型一体机，预装知识库问答",
    "面向银行的呼叫中心智能客服机器人",
    "电子病历质控与生成，数据不出院",
    "通用大模型API按调用量计费",
    "企业知识库问答，员工查询规章制度",
    "研报和信贷报告自动撰写",
    "城市视频事件识别，发现占道经营",
]
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def text_of(draw) -> str:
    return "，".join(draw(st.lists(st.sampled_from(CLAUSES), min_size=1, max_size=3)))


@st.composite
def pair(draw):
    off_text, need_desc = text_of(draw), text_of(draw)
    offering = OfferingDoc(
        ref="o-1", org_ref="v-1", title=off_text[:10], summary=off_text, description=off_text,
        kind="product", layer="application", sectors=(), app_types=(), deployment=(),
        price_min=None, price_max=None, regions=(), tags=(),
    )  # fmt: skip
    need = NeedDoc(
        ref="n-1", org_ref="e-1", title=need_desc[:8], description=need_desc, sectors=(),
        app_types=(), deployment=(), budget_min=None, budget_max=None, region=None,
    )  # fmt: skip
    return offering, need


def evidence(text: str) -> str:
    """The text a reason may quote: normalised, negated clauses removed."""
    return analyse_negation(normalize(text)).text


@FAST
@given(pair())
def test_every_shown_keyword_is_in_both_texts_and_every_link_names_both_words(data):
    offering, need = data
    engine = MatchingEngine(EngineConfig(workers=1)).fit([offering], [need], ())
    need_ev, off_ev = evidence(need_text(need)), evidence(offering_text(offering))
    shown = []
    for suggestion in engine.rank_offerings(need) + engine.rank_needs(offering):
        for reason in suggestion.reasons:
            if reason.code == "key_phrases":
                assert reason.params["phrases"]
                shown.extend(reason.params["phrases"])
    for phrase in shown:
        if " ↔ " in phrase:
            mine, theirs = phrase.split(" ↔ ")
            assert mine in need_ev and theirs in off_ev, phrase
        else:
            assert phrase in need_ev and phrase in off_ev, phrase
            assert len(phrase) >= 2


def test_a_fragment_or_a_negated_word_is_never_a_shared_keyword():
    offering = OfferingDoc(
        ref="o-1", org_ref="v-1", title="公有云大模型API", summary="公有云API调用，按量计费",
        description="公有云大模型API，出行服务", kind="product", layer="foundation", sectors=(),
        app_types=(), deployment=("private",), price_min=None, price_max=None, regions=(),
        tags=("公有云", "api"),
    )  # fmt: skip
    need = NeedDoc(
        ref="n-1", org_ref="e-1", title="信贷报告生成", description="不需要API，不要公有云，数据不能出行",
        sectors=(), app_types=(), deployment=(), budget_min=None, budget_max=None, region=None,
    )  # fmt: skip
    engine = MatchingEngine(EngineConfig(workers=1)).fit([offering], [need], ())
    suggestions = engine.rank_needs(offering) + engine.rank_offerings(need)
    assert len(suggestions) == 2  # the pair is a candidate: the check below is not vacuous
    for suggestion in suggestions:
        for reason in suggestion.reasons:
            for phrase in reason.params.get("phrases", ()):
                assert not {"api", "公有云", "出行"} & set(phrase.split(" ↔ "))
