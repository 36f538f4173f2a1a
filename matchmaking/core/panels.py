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

from matchmaking.core.extensions import ExtensionPoint


@dataclass(frozen=True)
class Panel:
    """A template and its context, or ``markup`` already rendered (a panel that keeps its
    own rendering, e.g. in the process's cache: shown as it is, ``template`` unused)."""

    template: str = ""
    context: dict = field(default_factory=dict)
    markup: str = ""


PanelProvider = Callable[[HttpRequest, object], Panel | None]
#: One extension point per slot ("core.panels.need-detail", ...), made on first use.
_slots: dict[str, ExtensionPoint] = {}


def _slot(slot: str) -> ExtensionPoint:
    if slot not in _slots:
        _slots[slot] = ExtensionPoint(
            f"core.panels.{slot}", "f(request, obj) -> Panel | None, rendered on the page in order"
        )
    return _slots[slot]


def register_panel(slot: str, order: int, provider: PanelProvider) -> None:
    _slot(slot).register(provider, order=order)


def panels_for(slot: str, request: HttpRequest, obj) -> list[Panel]:
    panels = []
    for provider in _slot(slot).providers():
        panel = provider(request, obj)
        if panel is not None:
            panels.append(panel)
    return panels
