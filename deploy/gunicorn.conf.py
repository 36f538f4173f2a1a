"""Gunicorn settings for the platform (read with ``gunicorn -c deploy/gunicorn.conf.py``).

    gunicorn -c deploy/gunicorn.conf.py matchmaking.wsgi:application

Every value can be overridden from the environment:

- GUNICORN_BIND       address to listen on (default 127.0.0.1:8000; a reverse proxy fronts it)
- GUNICORN_WORKERS    worker processes (default: one per CPU core this process may use, at
                      least 2, at most 8 — each worker holds its own database connection and
                      in-process cache). A request's work is CPU in Python: more workers than
                      cores only take turns on them, and lose time doing so (docs/performance.md,
                      "Workers per core"); with the database on another machine, measure
                      before adding more
- GUNICORN_THREADS    threads per worker (default 1: SQLite writers serialise anyway, and one
                      thread per process keeps the per-process cache and connections simple)
- GUNICORN_TIMEOUT    seconds before a silent worker is killed and replaced (default 30)
- GUNICORN_GRACEFUL_TIMEOUT  seconds a worker gets to finish its requests on restart (30)
- GUNICORN_KEEPALIVE  seconds an idle keep-alive connection stays open (default 5)
- GUNICORN_MAX_REQUESTS  recycle a worker after this many requests (default 0 = never; set
                      e.g. 5000 if memory creeps) with up to 10 % jitter
- GUNICORN_PRELOAD    1 = import the application once in the master before forking (default 1:
                      faster start, shared memory pages; the database is not touched at import)
- GUNICORN_ACCESS_LOG path or "-" for stdout (default "-"); "" turns the access log off
- GUNICORN_ERROR_LOG  path or "-" for stderr (default "-")
- GUNICORN_LOG_LEVEL  default "info"

The workers are web workers (MATCHING_WEB_WORKER=1 unless set): they open the matching engine
from the snapshot the task worker publishes and never fit it themselves (matching/runtime.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The checkout's root, so that the project's own core count is read here (gunicorn loads this
# file before it imports the application).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matchmaking.core.cores import usable_cores  # noqa: E402  (after the path above)

os.environ.setdefault("MATCHING_WEB_WORKER", "1")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _default_workers() -> int:
    # The cores this process may run on (a container's or taskset's share), not the machine's.
    return max(2, min(usable_cores(), 8))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", _default_workers())
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").strip() not in ("0", "false", "no")
# Request bodies are limited by Django (DATA_UPLOAD_MAX_MEMORY_SIZE); headers here.
limit_request_line = 8190
limit_request_fields = 100

_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "-")
accesslog = _access_log or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Remote address, time, request line, status, bytes, referrer, user agent, duration (µs).
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(B)s "%(f)s" "%(a)s" %(D)sus'
# Behind a reverse proxy on the same host: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "matchmaking"


def when_ready(server):
    """With preload: build the in-memory browse indexes of offerings and needs once in the
    master — or open the ones another process published (listings/browse/snapshot.py, well
    under a second at 100k offerings) — so the workers forked next inherit them (copy-on-write)
    instead of each building its own on its first browse request. GUNICORN_WARM=0 skips it. Database connections are closed before
    the fork — a connection must never be shared between processes."""
    if not preload_app or os.environ.get("GUNICORN_WARM", "1").strip() in ("0", "false", "no"):
        return
    from django.db import connections

    try:
        from matchmaking.listings.browse.needs import need_index
        from matchmaking.listings.browse.offerings import offering_index

        offerings, needs = offering_index(), need_index()
        server.log.info(
            "browse indexes ready: %s offerings, %s open needs",
            len(offerings) if offerings else "off",
            len(needs) if needs else "off",
        )
    except Exception:  # noqa: BLE001 - a cold start is slower, not broken
        server.log.exception("browse index warm-up failed; workers build it on demand")
    finally:
        connections.close_all()
