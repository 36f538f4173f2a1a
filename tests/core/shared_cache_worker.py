"""One worker process for tests/core/test_shared_cache.py: a Django process of its own that
reads (through the project's caches) and writes on request.

Reads a JSON request per line on stdin and answers a JSON line on stdout:
``{"op": "read"}``, ``{"op": "publish", "kind": ...}``, ``{"op": "add_sector", "code": ...}``,
``{"op": "build_engine"}``, ``{"op": "hints", "text": ...}``, ``{"op": "bump", "key": ...,
"times": ...}``, ``{"op": "page", "path": ...}``.
"""

from __future__ import annotations

import json
import os
import sys


def _read() -> dict:
    from django.contrib.auth.models import AnonymousUser

    from matchmaking.insights import reports
    from matchmaking.listings import selectors
    from matchmaking.listings.browse.offerings import OfferingFilterSet
    from matchmaking.listings.browse.selectors import facet_counts
    from matchmaking.taxonomy.models import Sector
    from matchmaking.taxonomy.selectors import active_terms

    filterset = OfferingFilterSet(None, queryset=selectors.offering_list_queryset(AnonymousUser()))
    facets = facet_counts(filterset, cache_params={"_model": "offering"})
    return {
        "facets": {name: {str(k): v for k, v in counts.items()} for name, counts in facets.items()},
        "home": selectors.home_figures(),
        "by_kind": [[str(label), count] for label, count in reports.table("by-kind").rows],
        "sectors": [term.code for term in active_terms(Sector)],
    }


def _publish(kind: str) -> dict:
    from matchmaking.listings import services
    from tests import factories

    admin = factories.make_user(is_staff=True, is_superuser=True)
    offering = factories.make_offering(status="pending", kind=kind)
    services.offering_approve(offering=offering, by=admin)
    return {"pk": offering.pk}


def _add_sector(code: str) -> dict:
    from matchmaking.taxonomy.models import Sector

    Sector.objects.create(code=code, name_zh=f"测试{code}", name_en=code, order=999)
    return {}


def _build_engine() -> dict:
    from matchmaking.matching.runtime import holder

    holder.get()
    return {}


def _bump(key: str, times: int) -> dict:
    from matchmaking.core.shared_cache import bump_version, read_version

    for _ in range(times):
        bump_version(key)
    return {"version": read_version(key)}


def _page(path: str) -> dict:
    """An anonymous GET through the whole middleware stack, page cache included."""
    from django.test import Client

    response = Client().get(path, SERVER_NAME="localhost")
    return {
        "status": response.status_code,
        "cache": response.get("X-Page-Cache", ""),
        "body": response.content.decode(),
    }


def _hints(text: str) -> dict:
    from matchmaking.matching.selectors import category_suggestions

    return category_suggestions(text)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")
    import django

    django.setup()
    from django.utils import translation

    translation.activate("zh-hans")
    operations = {
        "read": lambda request: _read(),
        "publish": lambda request: _publish(request["kind"]),
        "add_sector": lambda request: _add_sector(request["code"]),
        "build_engine": lambda request: _build_engine(),
        "hints": lambda request: _hints(request["text"]),
        "page": lambda request: _page(request["path"]),
        "bump": lambda request: _bump(request["key"], request["times"]),
    }
    print(json.dumps({"ready": os.getpid()}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(operations[request["op"]](request), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
