"""Read replica: browse and insights pages read from the ``replica`` database alias.

``DATABASE_REPLICA_URL`` adds the alias (settings); without it nothing here routes anything.
With it:

* reads inside a view marked ``replica_reads`` (declared where its URL is: the browse,
  detail and insights pages), template rendering included, go to ``replica``;
* every write, and every read anywhere else (forms, services, the task worker, the admin),
  goes to ``default``;
* **read your writes**: a request that changed something (POST, PUT, PATCH, DELETE) gets
  the ``primary_pin`` cookie for ``DATABASE_REPLICA_PIN_SECONDS``; while the browser carries
  it, its reads stay on ``default``, so the writer sees its own change at once although the
  replica may lag. Other readers see it once the replica has replayed it.
* a page rendered from the replica may be behind the primary by the replica's lag, so the
  page cache keeps it for at most ``DATABASE_REPLICA_PAGE_CACHE_SECONDS`` (core/page_cache.py).
"""

from __future__ import annotations

import contextvars
import functools

from django.conf import settings

REPLICA = "replica"
PIN_COOKIE = "primary_pin"
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

_reads_on_replica = contextvars.ContextVar("reads_on_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def pinned_to_primary(request) -> bool:
    return PIN_COOKIE in request.COOKIES


class ReplicaRouter:
    """``settings.DATABASE_ROUTERS``: see the module docstring."""

    def db_for_read(self, model, **hints):
        if _reads_on_replica.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        databases = {"default", REPLICA}
        if obj1._state.db in databases and obj2._state.db in databases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica replays the primary's changes, schema included.
        return db != REPLICA


def replica_reads(view):
    """Run ``view`` (and render its response) with its reads on the replica, unless the
    request writes or the browser wrote a moment ago."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            not replica_configured()
            or request.method not in _SAFE_METHODS
            or pinned_to_primary(request)
        ):
            return view(request, *args, **kwargs)
        token = _reads_on_replica.set(True)
        try:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()  # lazy templates query too: render while routed
        finally:
            _reads_on_replica.reset(token)
        request.read_from_replica = True
        return response

    return wrapper


class ReadYourWritesMiddleware:
    """Pins a browser that just wrote to the primary (the ``primary_pin`` cookie)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            replica_configured()
            and request.method not in _SAFE_METHODS
            and response.status_code < 500
        ):
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
