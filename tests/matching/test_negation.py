"""Negation and domain phrases (engine/negation.py): a table of real sentences from needs and
offerings. Each row: the sentence, words that must stay evidence, words that must not, and the
deployment modes the sentence refuses."""

from __future__ import annotations

import pytest

from matchmaking.matching.engine import default_lexicon
from matchmaking.matching.engine.negation import ON_PREMISES_PHRASE, analyse_negation
from matchmaking.matching.engine.text import Analyzer, normalize

NONE: frozenset[str] = frozenset()
CLOUD = frozenset({"public_api", "saas"})

TABLE = [
    # (sentence, kept, dropped, forbidden modes)
    (
        "客户信息和通话录音属于敏感数据，数据不能出行。",
        ["客户信息", ON_PREMISES_PHRASE],
        ["出行"],
        NONE,
    ),
    ("系统必须部署在行内私有云上，不能调用外部公有云接口。", ["私有云"], ["公有云", "接口"], CLOUD),
    ("我们不需要API，希望直接给业务人员用的应用。", ["应用"], ["api"], NONE),
    ("不要公有云，最好能私有化部署。", ["私有化"], ["公有云"], CLOUD),
    ("医院没有机房，希望用SaaS。", ["saas"], ["机房"], NONE),
    ("病历数据不出院，需在院内部署。", [ON_PREMISES_PHRASE, "院内"], ["出院"], NONE),
    ("数据不出域是硬性要求。", [ON_PREMISES_PHRASE, "硬性要求"], [], NONE),
    ("生产数据不出厂，检测必须在车间完成。", [ON_PREMISES_PHRASE, "车间"], [], NONE),
    ("影像资料不得离开本院。", [ON_PREMISES_PHRASE], ["离开"], NONE),
    ("业务数据严禁外传到公网。", ["业务数据"], ["公网"], CLOUD),
    ("数据不出本地，断网也要能用。", [ON_PREMISES_PHRASE], [], NONE),
    ("政务数据不出内网。", [ON_PREMISES_PHRASE], [], NONE),
    ("本项目不涉及硬件采购，只要软件。", ["软件"], ["硬件采购"], frozenset({"appliance"})),
    ("不需要一体机，我们已有服务器。", ["服务器"], ["一体机"], frozenset({"appliance"})),
    ("无需私有化部署，SaaS订阅即可。", ["saas"], ["私有化"], frozenset({"private"})),
    ("不考虑海外厂商。", [], ["海外厂商"], NONE),
    ("暂无标注数据，需要供应商协助标注。", ["协助标注"], ["标注数据"], NONE),
    ("我们没有算法团队。", [], ["算法团队"], NONE),
    ("不接受按调用量计费的方式。", [], ["调用量"], NONE),
    ("禁止使用境外模型。", [], ["境外模型"], NONE),
    ("不用做语音识别，只做文本问答。", ["文本问答"], ["语音识别"], NONE),
    ("不希望数据上传到第三方云。", [], ["第三方云"], CLOUD),
    ("不能用外部公有云接口。", [], ["公有云"], CLOUD),
    ("非结构化文档很多，需要解析合同和发票。", ["非结构化", "合同", "发票"], [], NONE),
    ("景区希望用无人机巡检山林防火。", ["无人机", "巡检"], [], NONE),
    ("实现无缝对接现有系统。", ["无缝", "对接"], [], NONE),
    ("非常希望尽快上线。", ["非常"], [], NONE),
    ("非遗文化数字化展示。", ["非遗"], [], NONE),
    ("无论白天夜间都要能识别。", ["无论", "识别"], [], NONE),
    ("支持无纸化办公和电子签章。", ["无纸化", "电子签章"], [], NONE),
    ("客服要不断学习新的业务知识。", ["不断", "业务知识"], [], NONE),
    ("不同科室的问答知识库要分开。", ["不同", "科室"], [], NONE),
    ("没想到效果这么好。", ["效果"], [], NONE),
    ("游客出行路线规划和景点讲解。", ["出行", "讲解"], [], NONE),
    ("员工出差出行的报销单据审核。", ["出行", "报销"], [], NONE),
    ("不做二次开发，开箱即用。", ["开箱即用"], ["二次开发"], NONE),
    ("不支持私有化的产品请勿联系。", [], ["私有化"], frozenset({"private"})),
    ("不要SaaS，系统装在行内。", [], ["saas"], frozenset({"saas"})),
    ("不含硬件，仅提供软件授权。", ["软件授权"], ["硬件"], frozenset({"appliance"})),
    ("并非要通用大模型，而是要能直接用的客服系统。", ["客服系统"], ["通用大模型"], NONE),
    ("避免调用公网接口。", [], ["公网"], CLOUD),
    ("拒绝使用公共云。", [], ["公共云"], CLOUD),
]


def test_the_table_holds_at_least_forty_real_sentences():
    assert len(TABLE) >= 40


@pytest.mark.parametrize(("sentence", "kept", "dropped", "forbidden"), TABLE)
def test_negated_words_are_no_evidence_and_refusals_become_constraints(
    sentence, kept, dropped, forbidden
):
    result = analyse_negation(normalize(sentence))
    for word in kept:
        assert word in result.text, (word, result)
    for word in dropped:
        assert word not in result.text, (word, result)
    assert result.forbidden_modes == forbidden


def test_the_analyzer_gives_no_travel_feature_to_data_that_must_stay_in_the_bank():
    analysis = Analyzer(default_lexicon()).analyze("信贷数据不能出行，想自动生成调查报告")
    assert not any("出行" in feature for feature in analysis.features)
    assert "b:出行" not in analysis.features
    assert analysis.forbidden_modes == NONE


def test_the_analyzer_reports_refused_modes():
    analysis = Analyzer(default_lexicon()).analyze("不要公有云，数据在本地")
    assert analysis.forbidden_modes == CLOUD
    assert not any("公有云" in feature for feature in analysis.features)
