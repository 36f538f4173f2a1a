"""Detail pages composed from panels that higher apps contribute.

A lower app's page (e.g. a need's detail page in `listings`) must not import a higher
app (matching, cases, connections). Instead, the higher app registers a panel from its
``AppConfig.ready()``:

    register_panel("need-detail", 20, provider)

``provider(request, obj)`` returns a `Panel` (a template and its context) or None when it
has nothing to show this viewer. The page renders them in order:

    {% load panels %}{% render_panels "need-detail" need %}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict = field(default_factory=dict)


PanelProvider = Callable[[HttpRequest, object], Panel | None]
_panels: dict[str, list[tuple[int, str, PanelProvider]]] = {}


def register_panel(slot: str, order: int, provider: PanelProvider) -> None:
    name = f"{provider.__module__}.{provider.__qualname__}"
    entries = _panels.setdefault(slot, [])
    if all(existing != name for _order, existing, _provider in entries):
        entries.append((order, name, provider))
        entries.sort(key=lambda item: item[0])


def panels_for(slot: str, request: HttpRequest, obj) -> list[Panel]:
    panels = []
    for _order, _name, provider in _panels.get(slot, []):
        panel = provider(request, obj)
        if panel is not None:
            panels.append(panel)
    return panels
