"""Running test code in a thread with a database connection of its own."""

from __future__ import annotations

import threading


def in_thread(target, errors: list) -> threading.Thread:
    """Start ``target`` in a thread with its own database connection, closed at the end; an
    exception it raises is appended to ``errors`` for the test to report."""

    def run():
        from django.db import connection as own

        try:
            target()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            own.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread
