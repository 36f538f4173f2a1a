"""Real session cookies for the signed-in pages measured with wrk.

The enterprise load users sign in through the login form (``http.Session.sign_in``). The
vendor whose opportunities page is measured is an existing vendor member of the world (the
one whose offerings have the most stored suggestions); the tool has no password for it, so
its session is created through Django's session engine exactly as ``auth.login`` stores one
(user id, backend, session hash) — the server reads it from the same database.
"""

from __future__ import annotations

from importlib import import_module

from tools.loadtest.http import Session
from tools.loadtest.world import Pools


def signed_in_cookies(base_url: str, pools: Pools) -> dict[str, str]:
    """``{email: "sessionid=…"}`` for every load user, signed in through the form."""
    from django.conf import settings

    cookies = {}
    for user in pools.users:
        session = Session(base_url)
        try:
            if not session.sign_in(user.email, pools.password):
                raise RuntimeError(f"Could not sign in {user.email}")
            value = session.cookies[settings.SESSION_COOKIE_NAME]
        finally:
            session.close()
        cookies[user.email] = f"{settings.SESSION_COOKIE_NAME}={value}"
    return cookies


def vendor_user():
    """A member of the vendor organization with the most stored suggestions (or any vendor)."""
    from django.apps import apps
    from django.db.models import Count

    Organization = apps.get_model("accounts", "Organization")
    User = apps.get_model("accounts", "User")
    vendors = Organization.objects.filter(kind="vendor", memberships__isnull=False)
    busiest = (
        vendors.annotate(suggested=Count("offerings__suggestions", distinct=True))
        .order_by("-suggested", "pk")
        .first()
    )
    if busiest is None:
        return None
    return (
        User.objects.filter(membership__organization=busiest, is_active=True).order_by("pk").first()
    )


def django_session_cookie(user) -> str:
    """``sessionid=…`` of a new session signed in as ``user`` (what ``auth.login`` stores)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "matchmaking.accounts.backends.MembershipModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"
