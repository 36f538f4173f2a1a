"""Markup of suggestion rows built in Python, for lists rendered on every page view (the
template engine costs several microseconds per node, per item)."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from matchmaking.matching.calibration import band

register = template.Library()


@register.simple_tag
def reason_list(row) -> SafeString:
    """``<ul class="reasons">``: what matches (``reason-met``), then what is missing
    (``reason-missing``) — the markup of matching/includes/reasons.html, texts escaped."""
    items = [f'<li class="reason-met">{escape(text)}</li>' for text in row.met]
    items += [f'<li class="reason-missing">{escape(text)}</li>' for text in row.missing]
    return mark_safe('<ul class="reasons">' + "".join(items) + "</ul>")  # noqa: S308 - escaped above


_BAND_CLASS = {"strong": " match-score-high", "possible": "", "weak": " match-score-low"}


@register.simple_tag
def score_badge(score) -> SafeString:
    """The score circle and its calibrated band (强匹配 ≥ 70, 可能相关 50–70; see
    matching/calibration.py): the same thresholds on every list."""

    name = band(float(score))
    label = {
        "strong": _("Strong match"),
        "possible": _("Possibly relevant"),
        "weak": _("Weak match"),
    }[name]
    title = _("Match score (0–100)")
    return mark_safe(  # noqa: S308 - only numbers and our own translated strings, escaped
        f'<span class="match-score{_BAND_CLASS[name]}" title="{escape(title)}">{float(score):.0f}</span>'
        f'<span class="match-band match-band-{name}">{escape(label)}</span>'
    )
