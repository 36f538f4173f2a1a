"""Template helpers for listings pages."""

from django import template

from matchmaking.listings.selectors import may_see_poster, need_poster_name

register = template.Library()


@register.simple_tag(takes_context=True)
def poster_name(context, need):
    """The poster's name as the current viewer may see it (anonymous needs stay anonymous)."""
    return need_poster_name(need, context["request"].user)


@register.simple_tag(takes_context=True)
def poster_visible(context, need) -> bool:
    return may_see_poster(need, context["request"].user)


@register.filter
def price_range(obj) -> str:
    """'10,000–50,000' / 'from 10,000' / 'up to 50,000' / '' for an offering or need range."""
    from django.contrib.humanize.templatetags.humanize import intcomma
    from django.utils.translation import gettext as _

    low = getattr(obj, "price_min", None) if hasattr(obj, "price_min") else obj.budget_min
    high = getattr(obj, "price_max", None) if hasattr(obj, "price_max") else obj.budget_max
    if low is not None and high is not None:
        return f"¥{intcomma(low)}–{intcomma(high)}" if low != high else f"¥{intcomma(low)}"
    if low is not None:
        return _("from ¥%(amount)s") % {"amount": intcomma(low)}
    if high is not None:
        return _("up to ¥%(amount)s") % {"amount": intcomma(high)}
    return ""


@register.simple_tag(takes_context=True)
def query_without_page(context) -> str:
    request = context["request"]
    data = request.GET.copy()
    data.pop("page", None)
    return data.urlencode()
