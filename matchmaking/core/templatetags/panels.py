from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from matchmaking.core.panels import panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def render_panels(context, slot: str, obj):
    """Render every panel registered for `slot` about `obj` (see core/panels.py)."""
    request = context["request"]
    html = []
    for panel in panels_for(slot, request, obj):
        if panel.markup:
            html.append(panel.markup)
            continue
        panel_context = context.flatten()
        panel_context.update(panel.context)
        panel_context["object"] = obj
        html.append(render_to_string(panel.template, panel_context, request=None))
    return mark_safe("".join(html))
