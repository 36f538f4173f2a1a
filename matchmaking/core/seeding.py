"""The demo world is built by seeders that each app registers from ``AppConfig.ready()``.

    register_seeder(order, seeder)

``seeder(options, stdout)`` must be idempotent (running `seed_demo` twice changes
nothing the second time). ``options`` is the parsed `seed_demo` options dict, e.g.
``options["offerings"]`` / ``options["needs"]`` for the large synthetic world.
Seeders return a list of lines to print (such as the demo sign-ins).
"""

from __future__ import annotations

from collections.abc import Callable

Seeder = Callable[[dict, object], list[str] | None]
_seeders: list[tuple[int, str, Seeder]] = []


def register_seeder(order: int, seeder: Seeder) -> None:
    name = f"{seeder.__module__}.{seeder.__qualname__}"
    if all(existing != name for _order, existing, _seeder in _seeders):
        _seeders.append((order, name, seeder))
        _seeders.sort(key=lambda item: item[0])


def seeders() -> list[tuple[int, str, Seeder]]:
    return list(_seeders)
