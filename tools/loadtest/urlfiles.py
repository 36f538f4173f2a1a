"""URL files for wrk: one request per line, drawn from the real taxonomy and listing texts.

A line is ``<path>`` or ``<path>\\t<Cookie header value>`` (signed-in pages carry the session
cookie of the user whose page it is). wrk's Lua script (``wrk.py``) picks a line at random for
every request, so the file's make-up is the traffic's make-up:

- **uniform**: every line drawn independently (filters, keywords, ids vary per request);
- **skewed**: ``SKEW_COMBINATIONS`` lines drawn as above, then repeated with Zipf weights
  (1 / rank ** ``SKEW_EXPONENT``): a few combinations dominate, as in real traffic.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from tools.loadtest.runner import Scenarios
from tools.loadtest.world import Pools

URLS_PER_FILE = 3000
SKEW_COMBINATIONS = 40
SKEW_EXPONENT = 1.2
VARIANTS = ("uniform", "skewed")
ANONYMOUS_COOKIE = "django_language=zh-hans"

# (key, label shown in the table). The trivial view comes first: the others' ratio is theirs
# over its req/s in the same run.
ENDPOINTS = [
    ("trivial", "trivial view"),
    ("offerings_browse", "offerings: filtered browse"),
    ("offerings_search", "offerings: keyword search"),
    ("offering_detail", "offering detail"),
    ("need_detail", "need detail"),
    ("needs_browse", "needs: browse/search"),
    ("need_suggestions", "need + suggestions (owner)"),
    ("vendor_opportunities", "vendor opportunities"),
    ("inbox", "connections inbox"),
]
SIGNED_IN = {"need_suggestions", "vendor_opportunities", "inbox"}


class Signed:
    """The session cookies of the signed-in load users (by e-mail) and of one vendor user."""

    def __init__(self, by_email: dict[str, str], vendor: str):
        self.by_email, self.vendor = by_email, vendor


def _line(path: str, cookie: str = ANONYMOUS_COOKIE) -> str:
    if "\t" in path or "\n" in path or "\n" in cookie:
        raise ValueError(f"A URL line cannot hold a tab or a newline: {path!r}")
    return f"{path}\t{cookie}"


def _generators(pools: Pools, signed: Signed, rng: random.Random) -> dict[str, Callable]:
    scenarios = Scenarios(pools, rng)

    def query(params: dict) -> str:
        return urlencode(params, doseq=True)

    def offerings_search() -> str:
        params = scenarios.offering_filters() if rng.random() < 0.5 else {}
        params.pop("page", None)
        params["q"] = scenarios.keyword()
        return _line(f"/offerings/?{query(params)}")

    def needs_browse() -> str:
        params = scenarios.need_filters()
        if rng.random() < 0.3:
            params["q"] = scenarios.keyword()
        return _line(f"/needs/?{query(params)}")

    def need_suggestions() -> str:
        user = rng.choice(pools.users)
        return _line(f"/needs/{rng.choice(user.need_ids)}/", _cookie(signed.by_email[user.email]))

    def inbox() -> str:
        # The enterprise load users' inboxes and the vendor's (which receives requests).
        cookies = [signed.vendor, *signed.by_email.values()]
        return _line("/connections/", _cookie(rng.choice(cookies)))

    return {
        "trivial": lambda: _line("/_bench/plain"),
        "offerings_browse": lambda: _line(f"/offerings/?{query(scenarios.offering_filters())}"),
        "offerings_search": offerings_search,
        "offering_detail": lambda: _line(f"/offerings/{rng.choice(pools.offering_ids)}/"),
        "need_detail": lambda: _line(f"/needs/{rng.choice(pools.need_ids)}/"),
        "needs_browse": needs_browse,
        "need_suggestions": need_suggestions,
        "vendor_opportunities": lambda: _line("/matching/opportunities/", _cookie(signed.vendor)),
        "inbox": inbox,
    }


def _cookie(session_cookie: str) -> str:
    return f"{ANONYMOUS_COOKIE}; {session_cookie}"


def url_lines(
    endpoint: str,
    pools: Pools,
    signed: Signed,
    *,
    variant: str,
    count: int = URLS_PER_FILE,
    seed: int = 1,
) -> list[str]:
    """``count`` lines for ``endpoint``, uniform or skewed (see the module docstring)."""
    if variant not in VARIANTS:
        raise ValueError(f"Unknown variant {variant!r}")
    rng = random.Random(f"{seed}:{endpoint}:{variant}")
    make = _generators(pools, signed, rng)[endpoint]
    if variant == "uniform":
        return [make() for _ in range(count)]
    combinations = [make() for _ in range(SKEW_COMBINATIONS)]
    weights = [1 / rank**SKEW_EXPONENT for rank in range(1, len(combinations) + 1)]
    return rng.choices(combinations, weights, k=count)


def write_url_files(
    directory: Path,
    pools: Pools,
    signed: Signed,
    *,
    count: int = URLS_PER_FILE,
    seed: int = 1,
    endpoints: list[str] | None = None,
) -> dict[tuple[str, str], Path]:
    """One file per (endpoint, variant) in ``directory``; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for endpoint, _label in ENDPOINTS:
        if endpoints is not None and endpoint not in endpoints:
            continue
        for variant in VARIANTS:
            path = directory / f"{endpoint}.{variant}.urls"
            lines = url_lines(endpoint, pools, signed, variant=variant, count=count, seed=seed)
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            files[endpoint, variant] = path
    return files
