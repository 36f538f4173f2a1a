"""Run a Django management ``Command`` class that lives outside the apps (``tools/``).

``python -m tools.loadtest`` and ``python -m tools.bench NAME`` set Django up with the same
settings as ``manage.py`` (``DJANGO_SETTINGS_MODULE``, default ``matchmaking.settings``) and
parse their options with the command's own parser, so ``--help`` and errors read as usual.
"""

from __future__ import annotations

import os
import sys


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")
    import django

    django.setup()


def run_command(command_class, prog: str, argv: list[str]) -> None:
    """Parse ``argv`` and run the command in an already set-up Django (exit 1 on its errors).

    Like ``BaseCommand.run_from_argv`` but without closing the database connections at the
    end: the caller (a test inside its transaction, or ``main``) owns them.
    """
    from django.core.management.base import CommandError

    command = command_class()
    # Django names the program "<prog_name> <subcommand>" in --help and in error messages.
    parser = command.create_parser("python -m", prog)
    options = vars(parser.parse_args(argv))
    args = options.pop("args", ())
    try:
        command.execute(*args, **options)
    except CommandError as error:
        command.stderr.write(f"{error.__class__.__name__}: {error}")
        sys.exit(error.returncode)
