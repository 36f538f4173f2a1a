"""Paged list pages: the current query without its page number, for the pagination links
(``includes/pagination.html`` appends ``page=N`` to it) and the "clear filters" test."""

from __future__ import annotations

from django.http import HttpRequest


def query_without_page(request: HttpRequest) -> str:
    """``request``'s query string (its filters), URL-encoded, without ``page``."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
