"""Markup of suggestion rows built in Python, for lists rendered on every page view (the
template engine costs several microseconds per node, per item)."""

import hashlib
import secrets

from django import template
from django.core.cache import cache
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from matchmaking.matching.calibration import band
from matchmaking.matching.selectors import NEED_PANEL_CACHE_SECONDS

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


# Stand-ins for the per-request parts of cached markup: random per process, so no title or
# name can contain one.
_CSRF_SLOT = f"\x00csrf-{secrets.token_hex(16)}\x00"
_NEXT_SLOT = f"\x00next-{secrets.token_hex(16)}\x00"


@register.simple_tag(takes_context=True)
def need_suggestion_items(context, items, band: str = "") -> SafeString:
    """The ``<li>`` of each suggested offering on a need's page (``selectors.PanelRow``):
    score, title, vendor, the "not relevant" form (when ``can_dismiss``; the markup of
    matching/includes/dismiss_form.html, keep them alike) and the reasons. Built in Python:
    the list is on every visit of a need's owner to its page, and the template loop cost about
    0.1 ms per row. Every text is escaped; the context gives ``can_dismiss``, ``dismiss_url``,
    ``dismiss_label`` and ``next_path`` as the panel sets them.

    With the panel's ``panel_key`` (``selectors.need_panel_key``: the rows' data versions and
    language) and a ``band`` name, the markup is kept in the process's cache per band and
    dismiss label/URL; the viewer's CSRF token and the page's own URL are put in per request."""
    can_dismiss = bool(context.get("can_dismiss"))
    action = conditional_escape(context.get("dismiss_url", ""))
    label = conditional_escape(context.get("dismiss_label", ""))
    if context.get("panel_key") and band:
        digest = hashlib.sha1(f"{action}|{label}".encode()).hexdigest()  # noqa: S324 - a key
        key = f"{context['panel_key']}:items:{band}:{int(can_dismiss)}:{digest}"
        markup = cache.get(key)
        if markup is None:
            markup = _items_markup(items, can_dismiss, action, label)
            cache.set(key, markup, timeout=NEED_PANEL_CACHE_SECONDS)
    else:
        markup = _items_markup(items, can_dismiss, action, label)
    if can_dismiss:
        markup = markup.replace(_CSRF_SLOT, CsrfTokenNode().render(context)).replace(
            _NEXT_SLOT, conditional_escape(context.get("next_path", ""))
        )
    return mark_safe(markup)  # noqa: S308 - every value escaped (_items_markup and above)


def _items_markup(items, can_dismiss: bool, action: str, label: str) -> str:
    if can_dismiss:
        form_head = (
            f'<form method="post" action="{action}" class="inline-form match-dismiss">'
            f"{_CSRF_SLOT}\n"
        )
        form_tail = (
            '  <input type="hidden" name="direction" value="need">\n'
            f'  <input type="hidden" name="next" value="{_NEXT_SLOT}">\n'
            f'  <button type="submit" class="button button-secondary button-small">{label}</button>\n'
            "</form>"
        )
    parts = []
    for row in items:
        dismiss = (
            form_head
            + f'  <input type="hidden" name="need" value="{int(row.need_id)}">\n'
            + f'  <input type="hidden" name="offering" value="{int(row.offering_id)}">\n'
            + form_tail
            if can_dismiss
            else ""
        )
        parts.append(
            '\n    <li class="match-item">\n      <div class="match-head">\n'
            f"        {score_badge(row.score)}\n"
            '        <div class="match-title">\n'
            f'          <a href="{escape(row.url)}">{escape(row.title)}</a>\n'
            f'          <span class="muted">{escape(row.vendor)}</span>\n'
            "        </div>\n"
            f"        {dismiss}\n"
            "      </div>\n"
            f"      {reason_list(row)}\n"
            "    </li>"
        )
    return "".join(parts)
