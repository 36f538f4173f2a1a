"""Domain events: how a write on one floor reaches the apps above it.

(Not "events": the ``events`` app is the 对接会 feature.)

Services change data and then announce what happened — Zulip's ``do_*`` then ``send_event``
shape::

    # listings/services/needs.py
    need.save()
    send_event("need_saved", need_id=need.pk, created=True)

Higher apps subscribe from their ``AppConfig.ready()``::

    # matching/apps.py
    subscribe("need_saved", handlers.need_saved)

A subscriber receives the payload as keyword arguments after the surrounding transaction has
committed (at once when there is none), so it never sees a write that was rolled back. A
subscriber that raises is logged and skipped: the writer's request has already committed and
the other subscribers still run. :data:`EVENTS` below is the one list of event names with the
payload each carries; ``send_event`` refuses a name or payload that is not declared there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

#: Every domain event: name -> (payload keys, what it means and who emits it).
EVENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "need_saved": (
        ("need_id", "created"),
        "listings: a need was created, edited, published, closed, renewed, approved or hidden",
    ),
    "offering_saved": (
        ("offering_id", "created"),
        "listings: an offering was created, edited, submitted, approved, hidden or archived",
    ),
    "revision_decided": (
        ("revision_id",),
        "listings: a moderator approved or declined a listing's proposed changes",
    ),
    "suggestion_added": (
        ("direction", "need_id", "offering_id", "score", "reasons"),
        "matching: a pair just entered a suggestion list with a high score",
    ),
    "connection_accepted": (
        ("connection_id", "initiator_org_id", "receiver_org_id"),
        "connections: the receiver accepted a connection (contacts are now disclosed)",
    ),
    "join_requested": (("join_request_id",), "accounts: someone asked to join an organization"),
    "join_answered": (("join_request_id",), "accounts: a join request was approved or declined"),
    "verification_decided": (
        ("verification_request_id",),
        "accounts: an administrator decided an organization's verification request",
    ),
}

_subscribers: dict[str, list[tuple[str, Callable[..., Any]]]] = {name: [] for name in EVENTS}


def _check_name(name: str) -> None:
    if name not in EVENTS:
        raise ValueError(f"unknown domain event {name!r}; declare it in core.domain_events.EVENTS")


def subscribe(name: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    """Call ``handler(**payload)`` after each committed ``name`` event (idempotent by name)."""
    _check_name(name)
    key = f"{handler.__module__}.{handler.__qualname__}"
    if all(existing != key for existing, _handler in _subscribers[name]):
        _subscribers[name].append((key, handler))
    return handler


def unsubscribe(name: str, handler: Callable[..., Any]) -> None:
    _check_name(name)
    key = f"{handler.__module__}.{handler.__qualname__}"
    _subscribers[name] = [entry for entry in _subscribers[name] if entry[0] != key]


def subscribers(name: str) -> list[str]:
    """The qualified names of the handlers subscribed to ``name`` (for docs and tests)."""
    _check_name(name)
    return [key for key, _handler in _subscribers[name]]


def _deliver(name: str, payload: dict[str, Any]) -> None:
    for key, handler in list(_subscribers[name]):
        try:
            handler(**payload)
        except Exception:  # noqa: BLE001 - a subscriber must not break the writer's request
            logger.exception("subscriber %s of domain event %s failed", key, name)


def send_event(name: str, **payload: Any) -> None:
    """Deliver ``name`` with ``payload`` to its subscribers once the transaction commits."""
    _check_name(name)
    expected = set(EVENTS[name][0])
    if set(payload) != expected:
        raise TypeError(
            f"domain event {name!r} carries {sorted(expected)}, was given {sorted(payload)}"
        )
    transaction.on_commit(lambda: _deliver(name, payload))
