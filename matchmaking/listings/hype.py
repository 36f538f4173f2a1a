"""Hype and tag stuffing in a listing's text and claims (pure functions, no Django).

Used by moderation (the queue flags a listing with its reasons) and by matching (a flagged
offering is demoted), so both read one definition. Five signals:

* superlatives and unverifiable claims (业界第一, 准确率100%, 颠覆, 全场景 …);
* buzzword piles: many marketing words and few concrete ones;
* tag stuffing: claiming ≥ 5 of the 6 sectors and ≥ 5 of the 6 application types with vague
  text (few concrete words per claimed category);
* sector spread: box-ticking in the text instead of the claims — a text that names the clients
  of ≥ 5 of the 6 sectors (银行…、医院…、景区…), whatever sectors it declares;
* keyword lists: a text that is mostly enumerations of bare words (≥ 25 items), e.g. the words
  buyers use most, listed to be found by every need; or a title of ≥ 5 keywords.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

#: Claiming this many of the six sectors *and* of the six application types is box-ticking.
STUFFED_SECTORS = 5
STUFFED_APP_TYPES = 5

_SUPERLATIVES = re.compile(
    r"业界第一|行业第一|全国第一|全球第一|世界第一|国内第一|排名第一|第一品牌|遥遥领先|全球领先|世界领先|"
    r"国际领先|业界领先|行业领先|领先全球|独一无二|史上最|最强|最好|最先进|最智能|唯一|顶尖|顶级|"
    r"颠覆|革命性|划时代|无所不能|包治百病|一站式解决所有|解决一切|所有问题|万能|零错误|零误差|"
    r"百分之百|100%|100 %|准确率100|绝对|永不|完美|全场景|全行业|全领域|千行百业|各行各业|任何场景|"
    r"任何行业|所有行业|所有场景"
)
_BUZZWORDS = re.compile(
    r"赋能|全栈|生态|智能化|数字化|一站式|端到端|全链路|闭环|底座|引擎|矩阵|抓手|新质生产力|"
    r"降本增效|提质增效|数智|智慧|创新|引领|领先|前沿|颠覆|重塑|升级|打造|助力|开放|平台化|全方位|"
    r"多维度|深度融合|无缝|飞轮|agi|aigc"
)
# Concrete words: numbers with units, named systems and data, actions on real objects.
_CONCRETE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|万|亿|秒|分钟|小时|天|人|条|份|页|台|张|路|个|家|次|倍|ms|gb|tb|qps)|"
    r"接口|对接|字段|报表|工单|病历|影像|合同|票据|发票|客服|坐席|摄像头|视频|语音|文档|知识库|"
    r"数据库|标注|训练|微调|部署|服务器|gpu|显卡|昇腾|鲲鹏|麒麟|海光|api|sdk"
)


#: The words that name a sector's clients or their work (a client, not a capability: 问答 or
#: 数据分析 serve every sector). A text naming ≥ SPREAD_SECTORS of the six is box-ticking.
SECTOR_CLIENT_WORDS = {
    "government": r"政务|政府|机关|公文|行政审批|审批服务|12345|市民热线|政策咨询|办事指南|人社|税务|公安|法院|检察",
    "finance": r"银行|证券|保险|基金|信贷|金融|理财|反洗钱|信用卡|期货|券商|支付|风控",
    "healthcare": r"医院|医疗|病历|患者|诊疗|医生|医药|药品|医保|门诊|临床|护理|药企|制药",
    "industry": r"制造|工厂|产线|生产线|车间|工业|排产|工艺|零部件|钢铁|化工|设备运维|设备故障|质检",
    "culture_tourism": r"文旅|景区|旅游|游客|博物馆|文物|导览|展览|非遗|酒店|演艺|图书馆",
    "smart_city": r"城市管理|城管|智慧城市|交通|应急|社区|市政|管网|一网统管|城市运行|园区|停车",
}
# One search per sector: 5 µs a text, against 25 µs for one alternation of named groups.
_SECTOR_CLIENTS = {code: re.compile(words) for code, words in SECTOR_CLIENT_WORDS.items()}
SPREAD_SECTORS = 5
# A run of ≥ 3 short items joined by 、 , ， or / (客服、知识库、问答、报告).
_LIST_RUN = re.compile(r"(?:[\u4e00-\u9fffa-z0-9]{1,8}[、,，/])+[\u4e00-\u9fffa-z0-9]{1,8}")
_LIST_SEPARATORS = re.compile(r"[、,，/]")
#: A keyword list: this many enumerated items, making up at least LIST_SHARE of the text.
LIST_ITEMS = 25
LIST_SHARE = 0.5
#: A title of this many separated keywords (智能客服 知识库问答 公文写作 …) is a keyword list.
TITLE_ITEMS = 5
_TITLE_SEPARATORS = re.compile(r"[\s、,，/|｜;；+＋&]+")
#: Severity of a spread or a keyword list (matching takes hype_penalty × severity points off).
SPREAD_SEVERITY = 0.6


@dataclass(frozen=True)
class HypeAssessment:
    """What is wrong with a listing's claims: reason codes, the phrases found, and a severity
    in [0, 1] (0 = nothing to flag)."""

    reasons: tuple[str, ...]
    phrases: tuple[str, ...]
    severity: float

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def is_stuffed(sectors: Iterable[str], app_types: Iterable[str]) -> bool:
    """Claims at least 5 of the 6 sectors and 5 of the 6 application types."""
    return len(set(sectors)) >= STUFFED_SECTORS and len(set(app_types)) >= STUFFED_APP_TYPES


def sectors_named(text: str) -> set[str]:
    """The sectors whose clients ``text`` names (codes of SECTOR_CLIENT_WORDS)."""
    return _sectors_named(_norm(text))


def enumerated_items(text: str) -> tuple[int, float]:
    """Items in runs of ≥ 3 enumerated short words, and the share of the text they make up."""
    return _enumerated_items(re.sub(r"\s", "", _norm(text)))


def _sectors_named(body: str) -> set[str]:
    return {code for code, pattern in _SECTOR_CLIENTS.items() if pattern.search(body)}


def _enumerated_items(compact: str) -> tuple[int, float]:
    """:func:`enumerated_items` of a normalised text without whitespace."""
    if not compact:
        return 0, 0.0
    items = chars = 0
    for run in _LIST_RUN.finditer(compact):
        parts = _LIST_SEPARATORS.split(run.group(0))
        if len(parts) >= 3:
            items += len(parts)
            chars += len(run.group(0))
    return items, chars / len(compact)


def assess_listing(
    *,
    title: str,
    text: str,
    tags: Iterable[str] = (),
    sectors: Iterable[str] = (),
    app_types: Iterable[str] = (),
) -> HypeAssessment:
    """Assess one listing (an offering, or a need without categories)."""
    body = _norm("\n".join([title or "", text or "", " ".join(tags or ())]))
    superlatives = sorted(set(_SUPERLATIVES.findall(body)))
    buzz = _BUZZWORDS.findall(body)
    concrete = _CONCRETE.findall(body)
    compact = re.sub(r"\s", "", body)
    n_chars = max(1, len(compact))
    reasons: list[str] = []
    severity = 0.0
    if len(superlatives) >= 2 or (superlatives and len(concrete) < 2):
        reasons.append("superlatives")
        severity += min(0.5, 0.2 * len(superlatives))
    # a pile: many marketing words, few concrete ones, and a text dense with them
    if len(buzz) >= 5 and len(buzz) > 2 * len(concrete) and len(buzz) * 2 / n_chars > 0.06:
        reasons.append("buzzwords")
        severity += 0.3
    sectors, app_types = list(sectors or ()), list(app_types or ())
    if is_stuffed(sectors, app_types):
        n_claims = len(set(sectors)) + len(set(app_types))
        # vague: fewer concrete words than half the claimed categories
        if len(concrete) < n_claims / 2 or superlatives or len(buzz) > len(concrete):
            reasons.append("tag_stuffing")
            severity += 0.6
    if "tag_stuffing" not in reasons and len(_sectors_named(body)) >= SPREAD_SECTORS:
        reasons.append("sector_spread")
        severity += SPREAD_SEVERITY
    # A run of k ≥ 3 items has k − 1 separators, so LIST_ITEMS items need at least ⅔ as many
    # separators: most texts are cleared by counting them (the runs cost 13 µs a text).
    items, share = 0, 0.0
    if 3 * len(_LIST_SEPARATORS.findall(compact)) >= 2 * LIST_ITEMS:
        items, share = _enumerated_items(compact)
    title_items = [part for part in _TITLE_SEPARATORS.split(_norm(title)) if part]
    if (items >= LIST_ITEMS and share >= LIST_SHARE) or len(title_items) >= TITLE_ITEMS:
        reasons.append("keyword_list")
        severity += SPREAD_SEVERITY
    return HypeAssessment(
        tuple(reasons), tuple(superlatives + sorted(set(buzz))[:5]), min(1.0, severity)
    )


def offering_hype_flags(
    *, title: str, summary: str, description: str, tags, sectors, app_types
) -> list[str]:
    """Flag codes (choices.HypeFlag) of an offering's text and claims."""
    return list(
        assess_listing(
            title=title,
            text=f"{summary}\n{description}",
            tags=tags or (),
            sectors=sectors,
            app_types=app_types,
        ).reasons
    )
