"""Markup of suggestion rows built in Python, for lists rendered on every page view (the
template engine costs several microseconds per node, per item)."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def reason_list(row) -> SafeString:
    """``<ul class="reasons">``: what matches (``reason-met``), then what is missing
    (``reason-missing``) — the markup of matching/includes/reasons.html, texts escaped."""
    items = [f'<li class="reason-met">{escape(text)}</li>' for text in row.met]
    items += [f'<li class="reason-missing">{escape(text)}</li>' for text in row.missing]
    return mark_safe('<ul class="reasons">' + "".join(items) + "</ul>")  # noqa: S308 - escaped above
