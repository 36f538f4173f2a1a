import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from matchmaking.connections import selectors
from matchmaking.core.permissions import is_platform_admin, user_organization_id

register = template.Library()

# http(s) links end at whitespace, quotes, angle brackets and CJK/full-width punctuation, so
# "演示：https://example.com/demo，谢谢" links just the address.
_URL = re.compile(r"https?://[^\s<>\"'\u3000-\u303f\uff00-\uffef]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


@register.filter
def message_html(text: str) -> str:
    """Plain text as HTML: everything escaped, http(s) links made clickable with
    rel="nofollow noopener noreferrer", line breaks kept. Nothing typed becomes markup."""
    text = (text or "").replace("\r\n", "\n")
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        link = match.group(0).rstrip(_TRAILING)
        if len(link) <= len("https://"):
            continue
        parts.append(escape(text[last : match.start()]))
        parts.append(
            f'<a href="{escape(link)}" rel="nofollow noopener noreferrer">{escape(link)}</a>'
        )
        last = match.start() + len(link)
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts).replace("\n", "<br>"))


@register.simple_tag(takes_context=True)
def counterpart_name(context, connection) -> str:
    return selectors.connection_counterpart_name(connection, context["request"].user)


@register.simple_tag(takes_context=True)
def party_name(context, connection, organization) -> str:
    user = context["request"].user
    admin = is_platform_admin(user) and selectors.viewer_side(connection, user) is None
    return selectors.party_name(connection, organization, user_organization_id(user), admin=admin)


@register.simple_tag(takes_context=True)
def counterpart_contacts(context, connection):
    return selectors.counterpart_contacts(connection, context["request"].user)


@register.filter
def duration(seconds) -> str:
    return selectors.format_duration(seconds)
