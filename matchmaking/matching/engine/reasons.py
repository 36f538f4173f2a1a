"""Reason codes of a suggestion and their plain zh/en fallback texts.

The Django layer may translate the codes with gettext instead; the codes and their ``params``
are the contract. ``met`` is True for what matches and False for what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

LABELS: dict[str, tuple[str, str]] = {
    # sectors
    "government": ("政务", "government"),
    "finance": ("金融", "finance"),
    "healthcare": ("医疗", "healthcare"),
    "industry": ("传统产业赋能", "traditional industry"),
    "culture_tourism": ("文化旅游", "culture & tourism"),
    "smart_city": ("智慧城市", "smart city"),
    # application types
    "content_generation": ("内容生成", "content generation"),
    "qa": ("智能问答", "question answering"),
    "it_support": ("IT支持", "IT support"),
    "data_analysis": ("数据分析", "data analysis"),
    "recognition": ("智能识别", "recognition"),
    "hardware": ("智能硬件", "smart hardware"),
    # kinds
    "product": ("产品", "product"),
    "compute": ("算力", "compute"),
    "data": ("数据", "data"),
    "service": ("服务", "service"),
    # deployment modes
    "public_api": ("公有云API", "public cloud API"),
    "private": ("私有化部署", "private deployment"),
    "appliance": ("一体机", "appliance"),
    "saas": ("SaaS", "SaaS"),
}

#: code -> (zh template, en template); templates use the params (lists are joined).
TEMPLATES: dict[str, tuple[str, str]] = {
    "sector_match": ("行业匹配：{sectors}", "Sector matches: {sectors}"),
    "sector_inferred": (
        "从描述判断行业相符：{sectors}",
        "Sector inferred from the text matches: {sectors}",
    ),
    "sector_any": ("通用产品，不限行业", "Cross-sector offering"),
    "sector_mismatch": ("行业不符（需求侧：{sectors}）", "Sector differs (need: {sectors})"),
    "app_type_match": ("应用类型匹配：{app_types}", "Application type matches: {app_types}"),
    "app_type_inferred": (
        "从描述判断应用类型相符：{app_types}",
        "Application type inferred from the text matches: {app_types}",
    ),
    "app_type_any": ("通用产品，不限应用类型", "General-purpose offering"),
    "app_type_mismatch": (
        "应用类型不符（需求侧：{app_types}）",
        "Application type differs (need: {app_types})",
    ),
    "kind_mismatch": (
        "供给类型（{kind}）与需求不符",
        "Offering kind ({kind}) does not fit the need",
    ),
    "deployment_ok": ("支持所需部署方式：{modes}", "Supports an accepted deployment mode: {modes}"),
    "deployment_missing": ("不支持{modes}", "Does not support {modes}"),
    "budget_overlap": ("报价在预算范围内", "Price within budget"),
    "price_slightly_above_budget": ("报价下限略高于预算", "Minimum price slightly above budget"),
    "price_above_budget": (
        "报价下限高于预算（约{factor}倍），已降权",
        "Minimum price above budget (about {factor}×), demoted",
    ),
    "price_unknown": ("未标明价格", "No price given"),
    "text_similar": ("文字描述相近", "Similar wording"),
    "key_phrases": ("共同关键词：{phrases}", "Shared key phrases: {phrases}"),
    "cases_in_sector": ("该厂商在本行业已有{n}个已发布案例", "This vendor has {n} published case(s) in this sector"),
    "no_case_in_sector": ("该厂商在本行业尚无已发布案例", "This vendor has no published case in this sector yet"),
    "verified_vendor": ("已认证供应商", "Verified vendor"),
    "has_filing": ("已完成生成式人工智能服务备案", "Generative-AI service filing done"),
    "missing_filing": ("未完成生成式人工智能服务备案", "No generative-AI service filing"),
    "region_match": ("服务地区覆盖{region}", "Serves {region}"),
    "region_mismatch": ("服务地区未覆盖{region}", "Does not serve {region}"),
    "domestic_hw_ok": ("支持国产化（信创）适配", "Runs on domestic hardware/OS (Xinchuang)"),
    "no_domestic_hw": ("未声明国产化（信创）适配", "No domestic hardware/OS support declared"),
    "on_premises_ok": ("数据可留在本地", "Data can stay on premises"),
    "no_on_premises": ("不支持数据本地留存", "Data cannot stay on premises"),
}

REASON_CODES: tuple[str, ...] = tuple(TEMPLATES)


@dataclass(frozen=True)
class Reason:
    """One met/missing item of a suggestion's checklist."""

    code: str
    met: bool
    params: dict[str, Any] = field(default_factory=dict)


def _label(value: Any, lang: str) -> str:
    i = 0 if lang == "zh" else 1
    if isinstance(value, (list, tuple)):
        sep = "、" if lang == "zh" else ", "
        return sep.join(_label(v, lang) for v in value)
    if isinstance(value, str) and value in LABELS:
        return LABELS[value][i]
    return str(value)


def reason_text(reason: Reason, lang: str = "zh") -> str:
    """Plain text of one reason (``lang`` "zh" or "en")."""
    zh, en = TEMPLATES.get(reason.code, (reason.code, reason.code))
    template = zh if lang == "zh" else en
    params: Mapping[str, Any] = {k: _label(v, lang) for k, v in reason.params.items()}
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def reasons_text(reasons: Iterable[Reason], lang: str = "zh") -> list[str]:
    """Plain texts of reasons, in order; a fallback for the Django layer's gettext strings."""
    return [reason_text(r, lang) for r in reasons]
