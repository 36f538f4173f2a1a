"""Timing a request function over many runs (wall and CPU per run, an optional profile), and a
GET through the WSGI handler as gunicorn makes it.
Shared by the in-process benchmarks (``signed_in``, ``page_hits``)."""

from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Timings:
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    profile: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.wall_ms)

    @property
    def p90(self) -> float:
        ordered = sorted(self.wall_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms)


def timed_runs(get: Callable[[], object], runs: int, profile: int = 0, check=None) -> Timings:
    """Call ``get()`` ``runs`` times. ``thread_time`` is the CPU of this thread (what a request
    costs the cores, whatever else runs on them). ``check(result)`` may stop the runs early by
    returning False. With ``profile``, cProfile's ``profile`` slowest functions (cumulative)."""
    profiler = cProfile.Profile() if profile else None
    timings = Timings()
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.thread_time()
        if profiler:
            profiler.enable()
        result = get()
        if profiler:
            profiler.disable()
        timings.wall_ms.append((time.perf_counter() - started) * 1000)
        timings.cpu_ms.append((time.thread_time() - cpu_started) * 1000)
        if check is not None and not check(result):
            break
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(profile)
        timings.profile = out.getvalue()
    return timings


def wsgi_get(handler, url: str, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
    """GET ``url`` (path and query) through ``handler`` (Django's ``WSGIHandler``) as gunicorn
    calls it: ``request_started`` fires, the body is read, and closing the response fires
    ``request_finished`` (connections kept or closed per ``CONN_MAX_AGE``). Returns the status
    code, the response headers and the body."""
    from django.test import RequestFactory

    path, _, query = url.partition("?")
    environ = RequestFactory()._base_environ(
        PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD="GET", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    started = []
    response = handler(
        environ, lambda status, headers, exc_info=None: started.append((status, headers))
    )
    try:
        body = b"".join(response)
    finally:
        response.close()
    status, headers = started[0]
    return int(status.split()[0]), dict(headers), body
