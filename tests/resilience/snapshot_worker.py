"""A web worker process for tests/resilience/test_engine_snapshots.py: MATCHING_WEB_WORKER=1 and
``MatchingEngine.fit`` replaced by a function that raises, so it can only open the snapshot
another process published and follow the change feed.

Reads ``{"op": "read"}`` lines on stdin; answers a JSON line: the offering ids its engine holds,
the snapshot it came from, how often it opened one and whether it has an engine at all.
"""

from __future__ import annotations

import json
import os
import sys


def _no_fit(*args, **kwargs):
    raise AssertionError("a web worker fitted the matching engine")


def _read() -> dict:
    from matchmaking.matching.runtime import EngineUnavailable, holder

    try:
        holder.get()
    except EngineUnavailable:
        return {"engine": None}
    return {
        "engine": sorted(holder.offering_ref_by_pk),
        "snapshot": holder.snapshot,
        "loads": holder.loads,
        "builds": holder.builds,
        "stale": holder.stale,
        "high": holder.cursor.high,
        "changes": holder.changes,
        "fitted": holder.fitted_size,
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")
    os.environ["MATCHING_WEB_WORKER"] = "1"
    import django

    django.setup()
    from matchmaking.matching.engine import MatchingEngine

    MatchingEngine.fit = _no_fit
    print(json.dumps({"ready": os.getpid()}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        assert request["op"] == "read"
        print(json.dumps(_read()), flush=True)


if __name__ == "__main__":
    main()
