"""``python -m tools.loadtest [options]`` from the checkout's root: the load test command.

It runs with the same settings as ``manage.py`` (``DJANGO_SETTINGS_MODULE``, default
``matchmaking.settings``, and the same environment); the options are those of
``tools/loadtest/command.py`` (``--help`` lists them).
"""

from __future__ import annotations

import os
import sys


def run(argv: list[str]) -> None:
    """Parse ``argv`` and run the command in an already set-up Django (exit 1 on its errors).

    Like ``BaseCommand.run_from_argv`` but without closing the database connections at the
    end: the caller (a test inside its transaction, or ``main``) owns them.
    """
    from django.core.management.base import CommandError

    from tools.loadtest.command import Command

    command = Command()
    # Django names the program "<prog_name> <subcommand>" in --help and in error messages.
    parser = command.create_parser("python -m", "tools.loadtest")
    options = vars(parser.parse_args(argv))
    args = options.pop("args", ())
    try:
        command.execute(*args, **options)
    except CommandError as error:
        command.stderr.write(f"{error.__class__.__name__}: {error}")
        sys.exit(error.returncode)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")
    import django

    django.setup()
    run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
