"""A per-account sign-in limit: progressive delays after repeated failures from any address.

django-axes locks one username + address pair after AXES_FAILURE_LIMIT failures, so guessing
spread over many addresses went unlimited. Here every account also has a failure count
across all addresses:

* the first ``ACCOUNT_LOGIN_FREE_FAILURES`` failures cost nothing;
* each further failure makes the next attempt wait 1, 2, 4, 8 … seconds, at most
  ``ACCOUNT_LOGIN_MAX_DELAY_SECONDS``;
* an attempt made while waiting is refused *before* the password is checked and is not
  counted (by this limit or by axes), so it never lengthens the wait;
* a successful sign-in, or ``ACCOUNT_LOGIN_FORGET_HOURS`` without failures, clears the count.

So an attacker gets at most one guess per maximum delay, while the real person never waits
longer than that delay: the account is slowed down, never locked. Only existing accounts are
counted (unknown addresses would just fill the table).
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from matchmaking.accounts.models import LoginDelay, User


def normalise(username) -> str:
    return str(username or "").strip().lower()


def delay_after(failures: int) -> timedelta:
    """The wait imposed after the ``failures``-th failure in a row."""
    free = settings.ACCOUNT_LOGIN_FREE_FAILURES
    if failures <= free:
        return timedelta(0)
    exponent = min(failures - free - 1, 30)
    return timedelta(seconds=min(2**exponent, settings.ACCOUNT_LOGIN_MAX_DELAY_SECONDS))


def seconds_to_wait(*, username) -> int:
    """0 when the account may try now; otherwise whole seconds until it may."""
    username = normalise(username)
    if not username:
        return 0
    next_attempt_at = (
        LoginDelay.objects.filter(username=username)
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if next_attempt_at is None:
        return 0
    remaining = (next_attempt_at - timezone.now()).total_seconds()
    return math.ceil(remaining) if remaining > 0 else 0


@transaction.atomic
def failure_record(*, username) -> LoginDelay | None:
    """Count one failed sign-in of an existing account (any address)."""
    username = normalise(username)
    if not username or not User.objects.filter(email__iexact=username).exists():
        return None
    now = timezone.now()
    row, created = LoginDelay.objects.select_for_update().get_or_create(
        username=username, defaults={"last_failure_at": now, "next_attempt_at": now}
    )
    forget_after = timedelta(hours=settings.ACCOUNT_LOGIN_FORGET_HOURS)
    if not created and now - row.last_failure_at > forget_after:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    row.next_attempt_at = now + delay_after(row.failures)
    row.save()
    return row


def success_record(*, username) -> None:
    LoginDelay.objects.filter(username=normalise(username)).delete()


def on_login_failed(sender, credentials=None, request=None, **kwargs) -> None:
    """``user_login_failed`` receiver (connected in AccountsConfig.ready())."""
    failure_record(username=(credentials or {}).get("username"))


def on_logged_in(sender, request=None, user=None, **kwargs) -> None:
    """``user_logged_in`` receiver: the person got in; forget the failures."""
    if user is not None:
        success_record(username=user.get_username())
