"""Phases of timed requests over a thread pool, and the figures they produce."""

from __future__ import annotations

import random
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tools.loadtest.http import Session
from tools.loadtest.world import Pools

TRIVIAL = "trivial"
CHECKBOX = re.compile(r'name="(sectors|app_types|deployment_modes)" value="(\d+)"')
LOCKED = "database is locked"


@dataclass
class Stats:
    """Latencies and outcomes per endpoint (thread-safe)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # 5xx / failures
    rejected: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # 4xx, limits
    locked: int = 0
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, seconds: float, status: int, body: bytes = b"") -> None:
        with self.lock:
            self.latencies[name].append(seconds)
            if status >= 500 or status == 0:
                self.errors[name] += 1
            elif status >= 400:
                self.rejected[name] += 1
            if LOCKED.encode() in body:
                self.locked += 1

    def row(self, name: str) -> dict:
        values = sorted(self.latencies.get(name, []))
        count = len(values)

        def pct(p):
            if not values:
                return 0.0
            return values[min(count - 1, int(round(p / 100 * (count - 1))))] * 1000

        return {
            "endpoint": name,
            "requests": count,
            "rps": count / self.elapsed if self.elapsed else 0.0,
            "p50": pct(50),
            "p95": pct(95),
            "p99": pct(99),
            "errors": self.errors.get(name, 0),
            "rejected": self.rejected.get(name, 0),
        }


class Scenarios:
    """One method per endpoint; each makes its request(s) on a session and records them."""

    def __init__(self, pools: Pools, rng: random.Random):
        self.pools, self.rng = pools, rng

    # -- query builders (varied per request) ------------------------------------------------

    def _some(self, values: list[str], most: int = 2) -> list[str]:
        return self.rng.sample(values, self.rng.randint(1, min(most, len(values))))

    def offering_filters(self) -> dict:
        rng, p = self.rng, self.pools
        params: dict = {}
        for name, values, chance in (
            ("sector", p.sectors, 0.6),
            ("app_type", p.app_types, 0.5),
            ("kind", p.kinds, 0.3),
            ("layer", p.layers, 0.15),
            ("deployment", p.deployments, 0.3),
        ):
            if values and rng.random() < chance:
                params[name] = self._some(values)
        if rng.random() < 0.3:
            params["price_min"] = rng.choice([10000, 50000, 100000, 200000])
        if rng.random() < 0.3:
            params["price_max"] = rng.choice([300000, 500000, 1000000, 5000000])
        if rng.random() < 0.1:
            params["region"] = rng.choice(p.regions)
        if rng.random() < 0.1:
            params["verified"] = "1"
        if rng.random() < 0.15:
            params["sort"] = rng.choice(["price_asc", "price_desc"])
        if rng.random() < 0.2:
            params["page"] = rng.randint(2, 6)
        return params

    def need_filters(self) -> dict:
        rng, p = self.rng, self.pools
        params: dict = {}
        for name, values, chance in (
            ("sector", p.sectors, 0.6),
            ("app_type", p.app_types, 0.5),
            ("deployment", p.deployments, 0.3),
        ):
            if values and rng.random() < chance:
                params[name] = self._some(values)
        if rng.random() < 0.3:
            params["budget_min"] = rng.choice([50000, 100000, 300000])
        if rng.random() < 0.2:
            params["page"] = rng.randint(2, 4)
        return params

    def keyword(self) -> str:
        return self.rng.choice(self.pools.keywords)

    # -- endpoints --------------------------------------------------------------------------

    def _get(self, session, stats, name, path):
        response = session.get(path)
        stats.record(name, response.elapsed, response.status, response.body)
        return response

    def trivial(self, session, stats):
        self._get(session, stats, TRIVIAL, "/_bench/plain")

    def browse_offerings(self, session, stats):
        query = urlencode(self.offering_filters(), doseq=True)
        self._get(session, stats, "offerings: filtered browse", f"/offerings/?{query}")

    def search_offerings(self, session, stats):
        params = self.offering_filters() if self.rng.random() < 0.5 else {}
        params.pop("page", None)
        params["q"] = self.keyword()
        query = urlencode(params, doseq=True)
        self._get(session, stats, "offerings: keyword search", f"/offerings/?{query}")

    def browse_needs(self, session, stats):
        params = self.need_filters()
        if self.rng.random() < 0.3:
            params["q"] = self.keyword()
        query = urlencode(params, doseq=True)
        self._get(session, stats, "needs: browse/search", f"/needs/?{query}")

    def offering_detail(self, session, stats):
        pk = self.rng.choice(self.pools.offering_ids)
        self._get(session, stats, "offering detail", f"/offerings/{pk}/")

    def need_detail(self, session, stats):
        pk = self.rng.choice(self.pools.need_ids)
        self._get(session, stats, "need detail", f"/needs/{pk}/")

    def need_suggestions(self, session, stats):
        """The poster's own need page, whose suggestions panel lists matching offerings."""
        pk = self.rng.choice(session.user.need_ids)
        self._get(session, stats, "need + suggestions (owner)", f"/needs/{pk}/")

    def post_need(self, session, stats):
        form = session.get("/needs/new/")
        stats.record("post need (form GET)", form.elapsed, form.status, form.body)
        boxes = defaultdict(list)
        for name, value in CHECKBOX.findall(form.text):
            boxes[name].append(value)
        number = self.rng.randint(1, 10**6)
        fields = {
            "title": f"{self.keyword()}{self.keyword()}系统建设需求 {number}",
            "description": f"希望引入大模型{self.keyword()}能力，支持{self.keyword()}场景，"
            "要求私有化部署并提供试点。",
            "sectors": self.rng.sample(boxes["sectors"], 1) if boxes["sectors"] else [],
            "app_types": self.rng.sample(boxes["app_types"], 1) if boxes["app_types"] else [],
            "data_availability": "some",
            "budget_min": 100000,
            "budget_max": 600000,
            "region": self.rng.choice(self.pools.regions),
            "visibility": "public",
            "publish": "1",
        }
        from tools.loadtest.http import CSRF_INPUT

        match = CSRF_INPUT.search(form.text)
        if match:
            fields["csrfmiddlewaretoken"] = match.group(1)
        response = session.request(
            "POST", "/needs/new/", fields, referer=session._absolute("/needs/new/")
        )
        stats.record("post need", response.elapsed, response.status, response.body)
        if response.status == 302:
            location = response.headers.get("Location", "")
            found = re.search(r"/needs/(\d+)/", location)
            if found:
                with stats.lock:
                    stats.posted_need_ids.append(int(found.group(1)))
        elif response.status < 500:
            stats.record("post need: not saved", 0.0, 400)

    def send_request(self, session, stats):
        pk = self.rng.choice(self.pools.offering_ids)
        path = f"/connections/request/{pk}/"
        form = session.get(path)
        stats.record("send request (form GET)", form.elapsed, form.status, form.body)
        if form.status != 200:
            return
        from tools.loadtest.http import CSRF_INPUT

        match = CSRF_INPUT.search(form.text)
        fields = {"message": f"您好，我们对贵司的方案感兴趣（{self.keyword()}），希望进一步沟通。"}
        if match:
            fields["csrfmiddlewaretoken"] = match.group(1)
        response = session.request("POST", path, fields, referer=session._absolute(path))
        stats.record("send request", response.elapsed, response.status, response.body)


DEFAULT_MIX = {
    "browse_offerings": 30,
    "search_offerings": 20,
    "browse_needs": 8,
    "offering_detail": 15,
    "need_detail": 8,
    "need_suggestions": 8,
    "post_need": 3,
    "send_request": 3,
    "trivial": 5,
}
READ_MIX = {
    name: weight
    for name, weight in DEFAULT_MIX.items()
    if name not in ("post_need", "send_request")
}
MIXES = {"default": DEFAULT_MIX, "read": READ_MIX}
# Each measured alone at the same concurrency: its req/s over the trivial view's is the ratio.
ISOLATED = [
    ("trivial", TRIVIAL),
    ("browse_offerings", "offerings: filtered browse"),
    ("search_offerings", "offerings: keyword search"),
    ("browse_needs", "needs: browse/search"),
    ("offering_detail", "offering detail"),
    ("need_detail", "need detail"),
    ("need_suggestions", "need + suggestions (owner)"),
]


def make_sessions(base_url: str, pools: Pools, count: int, *, signed_in: bool) -> list[Session]:
    sessions = []
    for index in range(count):
        session = Session(base_url)
        session.user = pools.users[index % len(pools.users)]
        if signed_in and not session.sign_in(session.user.email, pools.password):
            raise RuntimeError(f"Could not sign in {session.user.email}")
        sessions.append(session)
    return sessions


def run_phase(sessions, pools, mix: dict[str, int], *, seconds: float, seed: int) -> Stats:
    """Every session loops on its own thread until the deadline; then the phase ends."""
    stats = Stats()
    stats.posted_need_ids = []
    names, weights = list(mix), list(mix.values())
    deadline = time.monotonic() + seconds
    failures: list[BaseException] = []

    def worker(index: int, session: Session):
        rng = random.Random(seed * 1000 + index)
        scenarios = Scenarios(pools, rng)
        while time.monotonic() < deadline:
            name = rng.choices(names, weights)[0]
            try:
                getattr(scenarios, name)(session, stats)
            except Exception as exc:  # noqa: BLE001 - a transport failure counts as an error
                stats.record(f"{name} (transport)", 0.0, 0)
                session.close()
                if len(failures) < 5:
                    failures.append(exc)

    started = time.monotonic()
    threads = [
        threading.Thread(target=worker, args=(i, s), daemon=True) for i, s in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    stats.elapsed = time.monotonic() - started
    stats.failures = failures
    return stats
