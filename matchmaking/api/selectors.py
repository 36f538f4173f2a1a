"""Reads for API tokens."""

from django.db.models import QuerySet

from matchmaking.api.models import ApiToken


def tokens_of(user) -> QuerySet[ApiToken]:
    """The user's tokens, active first, newest first."""
    return ApiToken.objects.visible_to(user).order_by("revoked_at", "-created_at", "-pk")
