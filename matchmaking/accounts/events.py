"""Events of the accounts app that higher floors react to.

Accounts sits below notifications, so it cannot call ``notify`` itself. Instead it calls
the listeners registered here (the notifications app appends its own from its
``AppConfig.ready()``), after the surrounding transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

# Callables `f(event)`; each receives every event below and picks the ones it knows.
ACCOUNT_EVENT_LISTENERS: list = []


@dataclass(frozen=True)
class JoinRequested:
    join_request_id: int


@dataclass(frozen=True)
class JoinAnswered:
    join_request_id: int


@dataclass(frozen=True)
class VerificationDecided:
    verification_request_id: int


def emit(event) -> None:
    """Hand `event` to every listener once the current transaction has committed."""

    def send() -> None:
        for listener in list(ACCOUNT_EVENT_LISTENERS):
            listener(event)

    transaction.on_commit(send)
