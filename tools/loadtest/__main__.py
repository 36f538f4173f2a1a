"""``python -m tools.loadtest [options]`` from the checkout's root: the load test command.

It runs with the same settings as ``manage.py`` (``DJANGO_SETTINGS_MODULE``, default
``matchmaking.settings``, and the same environment); the options are those of
``tools/loadtest/command.py`` (``--help`` lists them).
"""

from __future__ import annotations

import os
import sys


def run(argv: list[str]) -> None:
    """Parse ``argv`` and run the command in an already set-up Django (exit 1 on its errors)."""
    from tools.loadtest.command import Command

    # Django names the program "<argv[0]> <argv[1]>" in --help and in error messages.
    Command().run_from_argv(["python -m", "tools.loadtest", *argv])


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")
    import django

    django.setup()
    run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
