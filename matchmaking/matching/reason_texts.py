"""Reason codes of the engine → sentences in the reader's language (gettext, English msgids).

Until the Chinese catalogue has a translation for a sentence, Chinese readers get the engine's
own Chinese text for it (``engine.reasons``), so the checklist is never in the wrong language.
Category codes in the parameters are shown by their taxonomy names in the active language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from matchmaking.matching.engine.reasons import LABELS, TEMPLATES

# code → English msgid (placeholders in %(name)s form, for makemessages).
MESSAGES: dict[str, str] = {
    "sector_match": gettext_noop("Sector matches: %(sectors)s"),
    "sector_inferred": gettext_noop("Sector inferred from the text matches: %(sectors)s"),
    "sector_any": gettext_noop("Cross-sector offering"),
    "sector_mismatch": gettext_noop("Sector differs (need: %(sectors)s)"),
    "app_type_match": gettext_noop("Application type matches: %(app_types)s"),
    "app_type_inferred": gettext_noop(
        "Application type inferred from the text matches: %(app_types)s"
    ),
    "app_type_any": gettext_noop("General-purpose offering"),
    "app_type_mismatch": gettext_noop("Application type differs (need: %(app_types)s)"),
    "kind_mismatch": gettext_noop("Offering kind (%(kind)s) does not fit the need"),
    "deployment_ok": gettext_noop("Supports an accepted deployment mode: %(modes)s"),
    "deployment_missing": gettext_noop("Does not support %(modes)s"),
    "budget_overlap": gettext_noop("Price within budget"),
    "price_slightly_above_budget": gettext_noop("Minimum price slightly above budget"),
    "price_above_budget": gettext_noop("Minimum price above budget (about %(factor)s×), demoted"),
    "price_unknown": gettext_noop("No price given"),
    "text_similar": gettext_noop("Similar wording"),
    "key_phrases": gettext_noop("Shared key phrases: %(phrases)s"),
    "cases_in_sector": gettext_noop("This vendor has %(n)s published case(s) in this sector"),
    "no_case_in_sector": gettext_noop("This vendor has no published case in this sector yet"),
    "verified_vendor": gettext_noop("Verified vendor"),
    "has_filing": gettext_noop("Generative-AI service filing done"),
    "missing_filing": gettext_noop("No generative-AI service filing"),
    "region_match": gettext_noop("Serves %(region)s"),
    "region_mismatch": gettext_noop("Does not serve %(region)s"),
    "domestic_hw_ok": gettext_noop("Runs on domestic hardware/OS (Xinchuang)"),
    "no_domestic_hw": gettext_noop("No domestic hardware/OS support declared"),
    "on_premises_ok": gettext_noop("Data can stay on premises"),
    "no_on_premises": gettext_noop("Data cannot stay on premises"),
    "semantic_similarity": gettext_noop("Similar in meaning (%(percent)s%%)"),
}

# Chinese fallbacks for codes the engine does not know (the semantic layer's).
_EXTRA_ZH: dict[str, str] = {"semantic_similarity": "语义相近（{percent}%）"}


def _is_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def _label(value: Any, zh: bool) -> str:
    if isinstance(value, (list, tuple)):
        return ("、" if zh else ", ").join(_label(v, zh) for v in value)
    if isinstance(value, str) and value in LABELS:
        return LABELS[value][0 if zh else 1]
    return str(value)


def reason_text(reason: Mapping[str, Any]) -> str:
    """One stored reason (``{"code", "met", "params"}``) as a sentence in the active language."""
    code = reason.get("code", "")
    params = reason.get("params") or {}
    zh = _is_chinese()
    labelled = {key: _label(value, zh) for key, value in params.items()}
    msgid = MESSAGES.get(code)
    if msgid is None:
        return code
    translated = _(msgid)
    if zh and translated == msgid:
        # Not translated yet: the engine's Chinese text.
        template = TEMPLATES.get(code, (None, None))[0] or _EXTRA_ZH.get(code)
        if template:
            try:
                return template.format(**labelled)
            except (KeyError, IndexError, ValueError):
                return template
    try:
        return translated % labelled if "%(" in translated else translated.replace("%%", "%")
    except (KeyError, ValueError, TypeError):
        return translated


def reasons_text(reasons: Iterable[Mapping[str, Any]]) -> list[str]:
    return [reason_text(r) for r in reasons]


def reason_dict(reason) -> dict[str, Any]:
    """An engine ``Reason`` as stored JSON."""
    return {"code": reason.code, "met": bool(reason.met), "params": dict(reason.params)}
