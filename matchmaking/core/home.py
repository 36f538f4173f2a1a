"""The home page is composed from sections that higher apps contribute.

`core` is the lowest floor and imports no app above it, so each app registers what it
adds to the home page from its ``AppConfig.ready()``:

    register_home_section(order, provider)

where ``provider(request)`` returns a `HomeSection` (or None to add nothing). Counts are
shown in the live figures strip; blocks render their own template partial.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest

from matchmaking.core.extensions import ExtensionPoint


@dataclass(frozen=True)
class HomeCount:
    label: str
    value: int
    url: str = ""


@dataclass(frozen=True)
class HomeSection:
    counts: tuple[HomeCount, ...] = ()
    template: str = ""
    context: dict = field(default_factory=dict)


home_section_providers = ExtensionPoint(
    "core.home_sections", "f(request) -> HomeSection | None, shown on the home page in order"
)


def register_home_section(
    order: int, provider: Callable[[HttpRequest], HomeSection | None]
) -> None:
    home_section_providers.register(provider, order=order)


def home_sections(request: HttpRequest) -> dict:
    counts: list[HomeCount] = []
    blocks: list[HomeSection] = []
    for provider in home_section_providers.providers():
        section = provider(request)
        if section is None:
            continue
        counts.extend(section.counts)
        if section.template:
            blocks.append(section)
    return {"home_counts": counts, "home_blocks": blocks}
