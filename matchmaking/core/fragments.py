"""A part of a page rendered once and kept under a fingerprint of what it shows.

For markup that every view of a page renders again although it depends on nothing but the
object shown: a need's description and facts took 0.20 ms of a signed-in owner's 5–6 ms page
(a kept copy: 0.035 ms; docs/performance.md, "Prepared statements on PostgreSQL, the need's
facts rendered once"). Anonymous views are kept whole by the page cache
(``core.page_cache.served_whole``): their parts are rendered, not kept, so they do not crowd
the process's cache. Signed-in views are never kept whole, so their viewer-independent parts
are kept here.

Rules that keep it right:

* The key is a fingerprint of the **content** the fragment shows (``fingerprint``), never a
  version to bump: any change of that content looks up another key, in every process, with
  nothing to invalidate. Entries not looked up again expire.
* The fragment is rendered **without the request** (no context processors, no CSRF token, no
  user): it cannot show anything that differs between viewers, so a viewer who may see the
  page gets the same markup as any other. Whoever calls it checks that the viewer may see
  the object first, as for the rest of the page.
* The active language and the script prefix are part of every key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

# An entry's longest life; a change of what it shows makes another key at once.
FRAGMENT_SECONDS = 600


def fingerprint(values: Iterable[Any]) -> str:
    """A digest of the values a fragment shows (their ``repr``, in order)."""
    digest = hashlib.blake2b(digest_size=16)
    for value in values:
        digest.update(repr(value).encode())
        digest.update(b"\x1f")
    return digest.hexdigest()


def fragment_key(template_name: str, content_fingerprint: str) -> str:
    return f"fragment:{template_name}:{get_language()}:{get_script_prefix()}:{content_fingerprint}"


def render_fragment(
    template_name: str,
    context: Mapping[str, Any],
    content_fingerprint: str | None,
) -> SafeString:
    """``template_name`` rendered with ``context`` (and no request), kept in the process's
    ``default`` cache under ``content_fingerprint``, the language and the script prefix.
    ``None`` (a page the page cache keeps whole): rendered, neither looked up nor kept."""
    if content_fingerprint is None:
        return mark_safe(render_to_string(template_name, dict(context)))  # noqa: S308
    key = fragment_key(template_name, content_fingerprint)
    markup = cache.get(key)
    if markup is None:
        markup = render_to_string(template_name, dict(context))
        cache.set(key, markup, timeout=FRAGMENT_SECONDS)
    return mark_safe(markup)  # noqa: S308 - the template's own output, escaped by it
