"""Template helpers for listings pages."""

from django import template
from django.utils.translation import gettext as _

from matchmaking.core import pagination
from matchmaking.core.money import format_amount
from matchmaking.listings import fragments
from matchmaking.listings.selectors import may_see_poster, need_poster_name

register = template.Library()


@register.simple_tag(takes_context=True)
def poster_name(context, need):
    """The poster's name as the current viewer may see it (anonymous needs stay anonymous)."""
    return need_poster_name(need, context["request"].user)


@register.simple_tag(takes_context=True)
def poster_visible(context, need) -> bool:
    return may_see_poster(need, context["request"].user)


@register.simple_tag(takes_context=True)
def need_facts(context, need):
    """The need's business problem and facts (listings/includes/need_facts.html), rendered
    once per content and language (``listings.fragments``)."""
    return fragments.need_facts(need, context["request"])


@register.filter
def price_range(obj) -> str:
    """'¥50万–250万' (Chinese) / '¥500,000–2,500,000' (English) / 'from …' / 'up to …' / ''
    for an offering's price or a need's budget."""

    low = getattr(obj, "price_min", None) if hasattr(obj, "price_min") else obj.budget_min
    high = getattr(obj, "price_max", None) if hasattr(obj, "price_max") else obj.budget_max
    if low is not None and high is not None:
        if low == high:
            return f"¥{format_amount(low)}"
        return f"¥{format_amount(low)}–{format_amount(high)}"
    if low is not None:
        return _("from ¥%(amount)s") % {"amount": format_amount(low)}
    if high is not None:
        return _("up to ¥%(amount)s") % {"amount": format_amount(high)}
    return ""


@register.simple_tag(takes_context=True)
def query_without_page(context) -> str:
    return pagination.query_without_page(context["request"])
