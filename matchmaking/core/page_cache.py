"""A page cache for anonymous readers, shared by every process and never stale.

A view opts in where its URL is declared: ``path("offerings/", shared_page(View.as_view()))``.
``PageCacheMiddleware`` (in ``settings.MIDDLEWARE`` before the session, CSRF, auth and
messages middleware) then answers a repeated anonymous GET of such a page from the cache
without loading a session, a user or messages and without rendering anything.

The key of an entry is built from:

* the host, the path and the **normalised query** (parameters sorted, so ``?a=1&b=2`` and
  ``?b=2&a=1`` share an entry);
* the **language** the page would be rendered in (``get_language_from_request``: the
  language cookie, then Accept-Language);
* the **viewer class**: only requests without a session, messages or ``primary_pin``
  cookie (core/db_router.py: the browser just wrote) are served or
  stored (anonymous readers; a signed-in user always carries a session cookie, so a user's
  page is never taken from, nor put into, a shared entry);
* the **data versions**: ``PAGES_VERSION_KEY``, bumped after every commit that writes the
  change feed (``core.changes.record_changes``: offerings, needs, organizations, cases,
  lexicon ...), and the versions that apps register in ``page_versions`` (listings,
  taxonomy, insights). Versions live in the shared cache (``core.shared_cache``), so a write
  in any process makes every process look up new keys on its next request. A page read from
  a lagging read replica is kept ``DATABASE_REPLICA_PAGE_CACHE_SECONDS`` at most.

Entries are stored twice: in the process's ``default`` cache (no round trip on a hit) and in
the ``shared`` cache (Redis, or the database table), so a page rendered by one worker serves
every other worker and server. ``PAGE_CACHE_SECONDS`` bounds an entry's life (relative
times such as "3 hours ago" in a page); ``PAGE_CACHE_SECONDS = 0`` turns the cache off.

A response is stored only when it cannot carry anything personal: status 200, not
streamed, no cookie set (a CSRF token used in the page sets one, a message sets one), no
``Cache-Control: private/no-store``, and ``Vary`` naming nothing beyond Cookie and
Accept-Language (both covered by the key).
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import cc_delim_re
from django.utils.translation import get_language_from_request

from matchmaking.core.db_router import PIN_COOKIE
from matchmaking.core.extensions import ExtensionPoint
from matchmaking.core.shared_cache import (
    bump_version_after_commit,
    read_versions,
    read_versions_and_entry,
    shared_cache,
)

PAGES_VERSION_KEY = "pages:version"
MARK = "shared_page"
# Headers the stored copy may keep: everything the response set except cookies (none are
# ever stored) and the request id (each request gets its own).
_SKIPPED_HEADERS = {"set-cookie", "x-request-id"}
_VARY_COVERED = {"cookie", "accept-language"}

page_versions = ExtensionPoint(
    "core.page_versions",
    "() -> str: the shared-cache key of a version (core.shared_cache) that a write of the "
    "app's data bumps; every shared page is keyed by all of them",
)


def shared_page(view):
    """Mark ``view`` as a page whose anonymous GETs the page cache may answer."""
    setattr(view, MARK, True)
    return view


def bump_pages_version() -> None:
    """Called by the change feed for every recorded write (after its commit)."""
    bump_version_after_commit(PAGES_VERSION_KEY)


def _enabled() -> bool:
    return getattr(settings, "PAGE_CACHE_SECONDS", 0) > 0


def _anonymous(request) -> bool:
    cookies = request.COOKIES
    return not any(
        name in cookies for name in (settings.SESSION_COOKIE_NAME, "messages", PIN_COOKIE)
    )


def _is_shared_page(request) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(match.func, MARK, False)


def served_whole(request) -> bool:
    """Whether the page cache keeps ``request``'s whole page: an anonymous GET (or HEAD) of a
    ``shared_page`` view, with the cache on. Parts of such a page need no cache of their own
    (``core.fragments``)."""
    return (
        request.method in ("GET", "HEAD")
        and _enabled()
        and _anonymous(request)
        and _is_shared_page(request)
    )


def page_version_keys() -> list[str]:
    """The pages version and every version an app registered in ``page_versions``."""
    return [PAGES_VERSION_KEY, *sorted({provider() for provider in page_versions.providers()})]


def read_page_versions() -> dict[str, int]:
    """Every data version of ``page_version_keys`` in one round trip to the shared cache.

    Within a request the answers are kept (``shared_cache.read_versions``), so a page whose
    parts are cached under several versions (a need's page: the taxonomy terms, the
    relaxations, the similar cases) calls this first and pays one round trip, not one per
    part."""
    return read_versions(*page_version_keys())


def _key_at(request, keys: list[str], versions: dict[str, int]) -> str:
    """The cache key of ``request``'s page at ``versions`` (of ``keys``)."""
    query = sorted((key, value) for key in request.GET for value in request.GET.getlist(key))
    parts = [
        request.scheme,
        request.get_host(),
        request.path,
        urlencode(query),
        get_language_from_request(request),
        "anonymous",
        ",".join(f"{key}={versions[key]}" for key in keys),
    ]
    digest = hashlib.sha1("\n".join(parts).encode()).hexdigest()  # noqa: S324 - a key, not a secret
    return f"page:{digest}"


def _storable(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # a token was rendered into the page
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if "private" in cache_control or "no-store" in cache_control:
        return False
    vary = {item.lower() for item in cc_delim_re.split(response.get("Vary", "")) if item}
    return vary <= _VARY_COVERED


def _freeze(response) -> tuple:
    headers = [
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in _SKIPPED_HEADERS
    ]
    return (response.status_code, headers, response.content)


def _thaw(entry) -> HttpResponse:
    status, headers, content = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response["X-Page-Cache"] = "hit"
    return response


# The versions the process's last page lookup found (keyed by the tuple of version keys).
# They rarely change from one request to the next, so the next lookup guesses them.
_last_versions: dict[tuple[str, ...], dict[str, int]] = {}


def _look_up(request) -> tuple[str, tuple | None]:
    """The page's key at the current versions and its entry (None: not cached).

    A lookup needs the versions before it can name the entry: two round trips when the
    process's own cache misses (the versions, then the shared entry). The key is guessed
    from the versions the process's last lookup found, and the versions and the shared
    entry under the guessed key come back in ONE round trip
    (``shared_cache.read_versions_and_entry``). The guess is used only if the versions
    read are the guessed ones, so a write in any process is seen as before; a wrong guess
    (a write since the last lookup) costs the two round trips of a plain lookup.
    """
    keys = page_version_keys()
    local = caches["default"]
    guessed = _last_versions.get(tuple(keys))
    if guessed is not None:
        key = _key_at(request, keys, guessed)
        entry = local.get(key)
        if entry is not None:
            versions = read_versions(*keys)  # the versions only: the entry is here
        else:
            versions, entry = read_versions_and_entry(keys, key)
            if entry is not None and versions == guessed:
                local.set(key, entry, timeout=settings.PAGE_CACHE_SECONDS)
        if versions == guessed:
            return key, entry
    versions = read_versions(*keys)  # kept for the request: no second round trip
    _last_versions[tuple(keys)] = versions
    key = _key_at(request, keys, versions)
    entry = local.get(key)
    if entry is None:
        entry = shared_cache().get(key)
        if entry is not None:
            local.set(key, entry, timeout=settings.PAGE_CACHE_SECONDS)
    return key, entry


class PageCacheMiddleware:
    """Answers anonymous GETs of ``shared_page`` views from the page cache; stores misses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not served_whole(request):
            return self.get_response(request)
        key, entry = _look_up(request)
        if entry is not None:
            return _thaw(entry)
        response = self.get_response(request)
        if request.method == "GET" and _storable(request, response):
            entry = _freeze(response)
            timeout = settings.PAGE_CACHE_SECONDS
            if getattr(request, "read_from_replica", False):  # may lag the primary
                timeout = min(timeout, settings.DATABASE_REPLICA_PAGE_CACHE_SECONDS)
            caches["default"].set(key, entry, timeout=timeout)
            shared_cache().set(key, entry, timeout=timeout)
            response["X-Page-Cache"] = "miss"
        return response
