"""``python -m tools.loadtest [options]`` from the checkout's root: the load test command.

It runs with the same settings as ``manage.py`` (``DJANGO_SETTINGS_MODULE``, default
``matchmaking.settings``, and the same environment); the options are those of
``tools/loadtest/command.py`` (``--help`` lists them).
"""

from __future__ import annotations

import sys

from tools.command import run_command, setup_django


def run(argv: list[str]) -> None:
    """Parse ``argv`` and run the load test in an already set-up Django (see tools.command)."""
    from tools.loadtest.command import Command

    run_command(Command, "tools.loadtest", argv)


def main(argv: list[str] | None = None) -> None:
    setup_django()
    run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
