"""`{% load money %}`: amounts of money in the reader's language (see matchmaking.core.money).

{{ offering.price_min|money }}      → ¥50万 (Chinese) / ¥500,000 (English)
"""

from django import template

from matchmaking.core.money import format_money

register = template.Library()


@register.filter
def money(value) -> str:
    return format_money(value)
