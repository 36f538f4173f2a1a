"""One server process for tests/resilience/test_change_feed.py: a Django process of its own
with its own browse index and matching engine, answering on request which offerings each holds.

Reads a JSON request per line on stdin (``{"op": "read"}``) and answers a JSON line on stdout:
``{"index": [offering ids in the browse index], "engine": [offering ids in the engine]}``.
"""

from __future__ import annotations

import json
import os
import sys


def _read() -> dict:
    from matchmaking.listings.browse_index import offering_index
    from matchmaking.matching.runtime import holder

    index = offering_index()
    holder.get()
    return {
        "index": sorted(index.ids.tolist()),
        "engine": sorted(holder.offering_ref_by_pk),
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")
    import django

    django.setup()
    print(json.dumps({"ready": os.getpid()}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        assert request["op"] == "read"
        print(json.dumps(_read()), flush=True)


if __name__ == "__main__":
    main()
