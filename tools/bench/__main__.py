"""``python -m tools.bench NAME [options]`` from the checkout's root: the speed benchmarks.

    python -m tools.bench listings --offerings 100000 --needs 10000 --runs 30
    python -m tools.bench insights --runs 3 [--staff]
    python -m tools.bench matching --quick [--sizes 1000 10000 100000]
    python -m tools.bench event_schedule --participants 300 --requests 2000
    python -m tools.bench first_render [--profile 15]   # PAGE_CACHE_SECONDS=0 DJANGO_DEBUG=0
    python -m tools.bench signed_in [--runs 30] [--profile 25]   # DJANGO_DEBUG=0
    python -m tools.bench page_hits [--runs 500] [--profile 20]   # DJANGO_DEBUG=0
    python -m tools.bench gaming [FILE …]   # gaming offerings' places in labelled files

Each runs with the same settings as ``manage.py`` (``DJANGO_SETTINGS_MODULE``, default
``matchmaking.settings``, and the same environment: point ``DJANGO_SQLITE_PATH`` or
``DATABASE_URL`` at a separate database for the ones that read or write listings);
``python -m tools.bench NAME --help`` lists a benchmark's options. They print figures and
assert nothing; speed is never checked by the test suite.
"""

from __future__ import annotations

import importlib
import sys

from tools.command import run_command, setup_django

# name → module in tools/bench/: a management-style ``Command`` class, or ``main(argv)``.
BENCHMARKS = {
    "listings": "tools.bench.listings",
    "insights": "tools.bench.insights",
    "matching": "tools.bench.matching",
    "event_schedule": "tools.bench.event_schedule",
    "first_render": "tools.bench.first_render",
    "signed_in": "tools.bench.signed_in",
    "page_hits": "tools.bench.page_hits",
    "gaming": "tools.bench.gaming",
}


def run(argv: list[str]) -> None:
    """Run the benchmark named by ``argv[0]`` in an already set-up Django."""
    if not argv or argv[0] not in BENCHMARKS:
        names = ", ".join(BENCHMARKS)
        sys.stderr.write(f"usage: python -m tools.bench NAME [options]; NAME is one of {names}\n")
        sys.exit(2)
    name, options = argv[0], argv[1:]
    module = importlib.import_module(BENCHMARKS[name])
    if hasattr(module, "Command"):
        run_command(module.Command, f"tools.bench {name}", options)
    else:
        module.main(options)


def main(argv: list[str] | None = None) -> None:
    setup_django()
    run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
