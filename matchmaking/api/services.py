"""Writes for API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from matchmaking.api.models import ApiToken

KEY_PREFIX = "mm_"
PREFIX_LENGTH = 10  # "mm_" + 7 characters, shown in lists so users can tell tokens apart
MAX_ACTIVE_TOKENS = 20


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``. Returns (token, key); the key is not stored and is shown once."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    name = (name or "").strip()
    if ApiToken.objects.filter(user=user).active().count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            {"name": ValidationError(_("Revoke an unused token first."), code="too_many")}
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, key_hash=hash_key(key), prefix=key[:PREFIX_LENGTH])
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, user) -> ApiToken:
    if token.user_id != user.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_revoke_all(*, user) -> int:
    """Revoke every active token of ``user``; returns how many."""
    return ApiToken.objects.filter(user=user).active().update(revoked_at=timezone.now())


def tokens_revoke_on_password_change(sender, *, user, **kwargs) -> None:
    """A new password ends API access too, as it ends the other sessions: a token copied by
    whoever knew the old password stops working (accounts.signals.password_changed)."""
    token_revoke_all(user=user)


def token_touch(*, token: ApiToken) -> None:
    """Record use, at most once a minute per token (no write on every request)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
