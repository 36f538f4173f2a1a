"""Negation and domain phrases in Chinese listing texts (pure, no Django).

``不需要API``, ``没有机房`` or ``不要公有云`` name the very thing a buyer does not want; as plain
words they would be evidence *for* API platforms, server rooms and public clouds. So, before a
text is turned into features:

1. domain phrases that contain a negation word but state a requirement are rewritten to one
   canonical phrase (``数据不出域``, ``数据不能出行`` (行 = the bank), ``不出本地`` → ``数据本地化``),
   so that neither the negation below nor the segmenter breaks them (``出行`` is travel);
2. the clause after a negation cue (up to the next punctuation, at most ``MAX_SCOPE``
   characters) is removed from the evidence and kept apart as *negated* text;
3. negated text that names a deployment mode becomes a constraint (``不要公有云`` → not
   ``public_api``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Canonical phrase of "the data must stay inside" (a lexicon term of the on-premises topic).
ON_PREMISES_PHRASE = "数据本地化"

#: Longest negated scope, in characters (a clause rarely names the negated thing further away).
MAX_SCOPE = 12

_STAY_INSIDE = re.compile(
    r"(?:数据|信息|资料|病历|影像|客户信息|业务数据)?"
    r"(?:不|不能|不得|不可|不允许|禁止|严禁)(?:流?出|离开|传出|外传到?|外流到?)"
    r"(?:本行|我行|行内|行|本院|院内|院|本厂|厂区|厂|园区|机房|本地|内网|局域网|域|单位|本单位|"
    r"境|国境|省|本省|市|本市|司|公司)"
)

# Cues that negate what follows. Not 不/非/无 alone: 不断, 不同, 非常, 非结构化, 无人机, 无缝
# are affirmative words.
_CUES = (
    "不需要",
    "不需",
    "无需",
    "无须",
    "不用",
    "不要",
    "不想",
    "不希望",
    "不接受",
    "不考虑",
    "不采用",
    "不使用",
    "不能用",
    "不能使用",
    "不能调用",
    "不能接入",
    "不能上",
    "不能",
    "不可",
    "不得",
    "不允许",
    "禁止",
    "严禁",
    "没有",
    "没",
    "并无",
    "暂无",
    "尚无",
    "无",
    "不含",
    "不包括",
    "不涉及",
    "不做",
    "不支持",
    "不具备",
    "并非",
    "而非",
    "非",
    "拒绝",
    "避免",
)
# Words that begin with a cue but are not negations.
_NOT_CUES = (
    "无人",
    "无缝",
    "无论",
    "无限",
    "无线",
    "无感",
    "无纸化",
    "无障碍",
    "无损",
    "无接触",
    "无忧",
    "非常",
    "非结构化",
    "非遗",
    "非物质",
    "非标",
    "非接触",
    "非法",
    "非凡",
    "没想到",
    "不能不",
    "无可替代",
    "避免了",
)
_CUE_RE = re.compile("(?:" + "|".join(sorted(map(re.escape, _CUES), key=len, reverse=True)) + ")")
_BOUNDARY = re.compile(r"[，。；;！!？?、,.\n：:（）()“”\"'【】\[\]]|但|而是|只|仅|希望|需要")

#: Negated words that forbid a deployment mode.
_FORBIDS = {
    "public_api": re.compile(
        r"公有云|公网|外部接口|外部api|云端api|云api|公共云|第三方云|互联网接口|外部公有云"
    ),
    "saas": re.compile(r"saas|公有云|公共云|第三方云|公网"),
    "appliance": re.compile(r"一体机|硬件"),
    "private": re.compile(r"私有化|本地部署|自建机房"),
}


@dataclass(frozen=True)
class NegationResult:
    """A text with negated clauses removed, the removed clauses, and the modes they forbid."""

    text: str
    negated: tuple[str, ...]
    forbidden_modes: frozenset[str]


def _is_cue(text: str, start: int) -> bool:
    return not any(text.startswith(w, start) for w in _NOT_CUES)


def analyse_negation(text: str) -> NegationResult:
    """Rewrite domain phrases and cut negated clauses out of ``text`` (already normalised)."""
    text = _STAY_INSIDE.sub(ON_PREMISES_PHRASE, text)
    out: list[str] = []
    negated: list[str] = []
    pos = 0
    for m in _CUE_RE.finditer(text):
        if m.start() < pos or not _is_cue(text, m.start()):
            continue
        end = m.end()
        stop = _BOUNDARY.search(text, end, min(len(text), end + MAX_SCOPE))
        scope_end = stop.start() if stop else min(len(text), end + MAX_SCOPE)
        scope = text[end:scope_end]
        if not scope.strip():
            continue
        out.append(text[pos : m.start()])
        out.append("，")  # a boundary: no bigram across the removed clause
        negated.append(scope)
        pos = scope_end
    out.append(text[pos:])
    forbidden = frozenset(
        mode for mode, pattern in _FORBIDS.items() if any(pattern.search(s) for s in negated)
    )
    return NegationResult("".join(out), tuple(negated), forbidden)
