"""The demo world is built by seeders that each app registers from ``AppConfig.ready()``.

    register_seeder(order, seeder)

``seeder(options, stdout)`` must be idempotent (running `seed_demo` twice changes
nothing the second time). ``options`` is the parsed `seed_demo` options dict, e.g.
``options["offerings"]`` / ``options["needs"]`` for the large synthetic world.
Seeders return a list of lines to print (such as the demo sign-ins).

`seed_demo` runs each seeder in one transaction, unless it is registered with
``atomic=False``: a seeder writing a large world manages its own short transactions (batches),
so the site keeps serving and accepting writes while it runs.
"""

from __future__ import annotations

from collections.abc import Callable

Seeder = Callable[[dict, object], list[str] | None]
_seeders: list[tuple[int, str, Seeder]] = []
_own_transactions: set[str] = set()


def register_seeder(order: int, seeder: Seeder, *, atomic: bool = True) -> None:
    name = f"{seeder.__module__}.{seeder.__qualname__}"
    if not atomic:
        _own_transactions.add(name)
    if all(existing != name for _order, existing, _seeder in _seeders):
        _seeders.append((order, name, seeder))
        _seeders.sort(key=lambda item: item[0])


def runs_atomically(name: str) -> bool:
    """Whether `seed_demo` wraps the seeder ``name`` in one transaction."""
    return name not in _own_transactions


def seeders() -> list[tuple[int, str, Seeder]]:
    return list(_seeders)
