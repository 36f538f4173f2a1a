"""Named extension points: how a lower floor lets higher floors contribute behaviour.

A lower app declares the point, at module level, next to the code that consults it:

    # listings/scoping.py
    private_need_audience = ExtensionPoint(
        "listings.private_need_audience",
        "f(vendor_org_id) -> need ids a vendor may see although the need is private",
    )

A higher app fills it from its ``AppConfig.ready()`` (never by assigning module attributes,
appending to module lists or probing modules with importlib):

    # connections/apps.py
    private_need_audience.register(selectors.contacted_need_ids)

The lower app then calls ``point.providers()`` (all contributions, in order) or
``point.first()`` (the single provider a point expects, or its default). Registration is
idempotent, so a repeated ``ready()`` (tests, reloads) never registers a provider twice.
Every point is listed in :data:`ALL_POINTS` by its name, so ``describe()`` can show a new
maintainer which floors contribute what.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Every extension point declared in the project, by name.
ALL_POINTS: dict[str, ExtensionPoint] = {}


class ExtensionPoint:
    """A named list of providers (callables) that higher apps register into."""

    def __init__(self, name: str, contract: str, *, default: Callable[..., Any] | None = None):
        if name in ALL_POINTS:
            raise ValueError(f"extension point {name!r} is declared twice")
        self.name = name
        self.contract = contract
        self.default = default
        self._providers: list[tuple[int, str, Callable[..., Any]]] = []
        ALL_POINTS[name] = self

    def register(self, provider: Callable[..., Any], *, order: int = 50) -> Callable[..., Any]:
        """Add ``provider`` (idempotent by its qualified name); returns it (usable as decorator)."""
        key = f"{provider.__module__}.{provider.__qualname__}"
        if all(existing != key for _order, existing, _provider in self._providers):
            self._providers.append((order, key, provider))
            self._providers.sort(key=lambda item: item[0])
        return provider

    def unregister(self, provider: Callable[..., Any]) -> None:
        key = f"{provider.__module__}.{provider.__qualname__}"
        self._providers = [entry for entry in self._providers if entry[1] != key]

    def providers(self) -> list[Callable[..., Any]]:
        return [provider for _order, _key, provider in self._providers]

    def first(self) -> Callable[..., Any] | None:
        """The first registered provider, else the default (for points that expect one)."""
        return self._providers[0][2] if self._providers else self.default

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<ExtensionPoint {self.name}: {len(self._providers)} provider(s)>"


def describe() -> list[dict[str, Any]]:
    """Every point with its contract and who fills it (for docs and the admin's curiosity)."""
    return [
        {
            "name": point.name,
            "contract": point.contract,
            "providers": [key for _order, key, _provider in point._providers],
        }
        for point in sorted(ALL_POINTS.values(), key=lambda p: p.name)
    ]
