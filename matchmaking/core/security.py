"""Security helpers shared by settings-driven components (login throttling, request logs).

Login throttling itself is django-axes (settings: AXES_*); the Content-Security-Policy is
django-csp (settings: CONTENT_SECURITY_POLICY). See deploy/README.md for both.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address, the one key of login throttling, API throttling and logs.

    With ``settings.NUM_PROXIES`` = 0 (serving directly) it is REMOTE_ADDR and any
    X-Forwarded-For a client sends is ignored. With N proxies it is the N-th entry from the
    right of X-Forwarded-For — the one our own nearest proxy wrote, which a client cannot
    forge (the shipped nginx sets the header to $remote_addr; DRF counts the same way)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = getattr(settings, "NUM_PROXIES", 0) or 0
    if proxies > 0:
        forwarded = [
            address.strip()
            for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if address.strip()
        ]
        if forwarded:
            return forwarded[-min(proxies, len(forwarded))]
    return remote


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """The page shown instead of signing in while a username+address pair is locked out
    (django-axes AXES_LOCKOUT_CALLABLE): the sign-in panel with a clear, translated message,
    answered with 429 Too Many Requests."""
    from axes.helpers import get_client_username, get_cool_off
    from django.shortcuts import render

    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": minutes,
        "username": get_client_username(request, credentials) or "",
    }
    return render(request, "security/lockout.html", context, status=429)


def login_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The name django-axes counts failures under (AXES_USERNAME_CALLABLE): the email typed in
    the sign-in form's `username` field (ours and the admin's), case-folded and trimmed so
    that "Person@Example.com " and "person@example.com" share one counter."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    if not value:
        return None
    return str(value).strip().lower()
