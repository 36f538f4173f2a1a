"""Speed benchmark on synthetic listings (realistic phrases recombined).

    python -m tools.bench matching [--quick] [--sizes 1000 10000 100000]

Prints index build time, median/p95 time to rank one need among N offerings (and one offering
among the needs), and the time to rebuild all suggestions for 10k needs × 100k offerings
(skipped with ``--quick``).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import statistics
import sys
import time
from collections.abc import Sequence

from matchmaking.matching.engine.config import EngineConfig
from matchmaking.matching.engine.documents import (
    APP_TYPES,
    DEPLOYMENTS,
    KINDS,
    LAYERS,
    SECTORS,
    NeedDoc,
    OfferingDoc,
)
from matchmaking.matching.engine.engine import MatchingEngine
from matchmaking.matching.engine.lexicon import default_lexicon

_OPENINGS = [
    "面向{s}的{a}产品",
    "{s}{a}平台",
    "基于大模型的{s}{a}方案",
    "{a}助手（{s}版）",
    "{s}场景{a}系统",
]
_SENTENCES = [
    "支持{w1}、{w2}和{w3}，上线后{w4}效率明显提升。",
    "通过{w1}与{w2}能力，帮助客户解决{w3}难题。",
    "可与现有{w1}系统对接，自动完成{w2}和{w3}。",
    "已在多家单位落地，覆盖{w1}、{w2}等场景。",
    "提供{w1}、{w2}、{w3}三大模块，支持按需组合。",
    "针对{w1}环节，提供{w2}和{w3}服务。",
]
_NEED_SENTENCES = [
    "我们每天要处理大量{w1}，人工{w2}费时费力。",
    "希望能自动完成{w1}和{w2}，减少{w3}。",
    "目前{w1}主要靠人工，经常出现{w2}问题。",
    "想找一个能做{w1}的方案，最好能和{w2}系统打通。",
    "领导要求今年把{w1}做起来，{w2}也要跟上。",
]
_REGIONS = ["北京", "天津", "河北", "上海", "广东", "浙江", "江苏", "四川", "湖北", "山东"]


class Synth:
    """Generates offerings and needs from the lexicon's words and a few sentence templates."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        lex = default_lexicon()
        self.words: dict[tuple[str, str], list[str]] = {}
        for topic in lex.topics:
            self.words.setdefault((topic.family, topic.code), []).extend(topic.terms)

    def _words(self, sector: str, app: str, k: int) -> list[str]:
        pool = self.words.get(("sectors", sector), []) + self.words.get(("app_types", app), [])
        return self.rng.sample(pool, k)

    def _fill(self, template: str, sector: str, app: str) -> str:
        w = self._words(sector, app, 4)
        return template.format(s=w[0], a=w[1], w1=w[0], w2=w[1], w3=w[2], w4=w[3])

    def offering(self, i: int) -> OfferingDoc:
        r = self.rng
        sector, app = r.choice(SECTORS), r.choice(APP_TYPES)
        price = r.choice([5e4, 1e5, 3e5, 5e5, 1e6, 3e6])
        return OfferingDoc(
            ref=f"o-{i:06d}",
            org_ref=f"v-{r.randrange(max(10, i // 5 + 1)):05d}",
            title=self._fill(r.choice(_OPENINGS), sector, app),
            summary=self._fill(r.choice(_SENTENCES), sector, app),
            description="".join(self._fill(r.choice(_SENTENCES), sector, app) for _ in range(4)),
            kind=r.choices(KINDS, weights=[85, 5, 5, 5])[0],
            layer=r.choice(LAYERS),
            sectors=tuple(sorted({sector, r.choice(SECTORS)})) if r.random() < 0.3 else (sector,),
            app_types=(app,),
            deployment=tuple(sorted(set(r.sample(DEPLOYMENTS, r.randint(1, 3))))),
            price_min=price,
            price_max=price * 5,
            regions=("全国",) if r.random() < 0.5 else (r.choice(_REGIONS),),
            tags=tuple(self._words(sector, app, 3)),
            org_verified=r.random() < 0.3,
            has_filing=r.random() < 0.2,
            published_case_sectors=(sector,) * r.randint(0, 2),
            created_days_ago=r.uniform(0, 700),
        )

    def need(self, i: int) -> NeedDoc:
        r = self.rng
        sector, app = r.choice(SECTORS), r.choice(APP_TYPES)
        budget = r.choice([None, 1e5, 3e5, 1e6, 3e6])
        return NeedDoc(
            ref=f"n-{i:06d}",
            org_ref=f"e-{r.randrange(max(10, i // 3 + 1)):05d}",
            title=self._fill(r.choice(_NEED_SENTENCES), sector, app),
            description="".join(
                self._fill(r.choice(_NEED_SENTENCES), sector, app) for _ in range(4)
            ),
            sectors=(sector,) if r.random() < 0.6 else (),
            app_types=(app,) if r.random() < 0.5 else (),
            deployment=tuple(r.sample(DEPLOYMENTS, r.randint(0, 2))),
            budget_min=None if budget is None else budget / 3,
            budget_max=budget,
            region=r.choice(_REGIONS),
        )


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(sizes: Sequence[int], n_queries: int, rebuild: bool, n_needs: int) -> None:
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU, Python {sys.version.split()[0]}"
    )
    synth = Synth()
    largest = max(sizes)
    t = time.perf_counter()
    all_offerings = [synth.offering(i) for i in range(largest)]
    needs = [synth.need(i) for i in range(max(n_needs, n_queries))]
    print(f"generated {largest} offerings, {len(needs)} needs in {time.perf_counter() - t:.1f}s")
    results = {}
    for n in sizes:
        engine = MatchingEngine(EngineConfig())
        t, c = time.perf_counter(), time.process_time()
        engine.fit(all_offerings[:n], needs[:n_needs] if n == largest else needs[:n_queries], ())
        build = time.perf_counter() - t
        print(
            f"N={n:>7}: index built in {build:.1f}s wall ({time.process_time() - c:.1f}s CPU in this process)"
        )
        engine.rank_offerings(needs[0])  # warm-up
        times, cpu = [], []
        for need in needs[:n_queries]:
            t, c = time.perf_counter(), time.process_time()
            engine.rank_offerings(need, top_k=10)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        rev, copies = [], []
        for off in all_offerings[: min(50, n)]:
            t = time.perf_counter()
            engine.rank_needs(off, top_k=10)
            rev.append(time.perf_counter() - t)
            t = time.perf_counter()
            engine.copies_of(off)  # the moderator's copy check of one text under review
            copies.append(time.perf_counter() - t)
        results[n] = statistics.median(times)
        print(
            f"N={n:>7}: rank_offerings median {1000 * statistics.median(times):6.1f} ms, "
            f"p95 {1000 * _percentile(times, 0.95):6.1f} ms (CPU median "
            f"{1000 * statistics.median(cpu):.1f}, p95 {1000 * _percentile(cpu, 0.95):.1f}) | rank_needs (among {len(engine.needs)}) median "
            f"{1000 * statistics.median(rev):6.1f} ms | copies_of median "
            f"{1000 * statistics.median(copies):.1f} ms | max RSS {_rss_mb():.0f} MB"
        )
        if n == largest and rebuild:
            t, c = time.perf_counter(), time.process_time()
            count = sum(1 for _ in engine.iter_rank_all_needs(top_k=10))
            print(
                f"rebuild: {count} needs × {n} offerings in {time.perf_counter() - t:.1f}s wall, "
                f"{time.process_time() - c:.1f}s CPU"
            )
        t = time.perf_counter()
        engine.add_offering(synth.offering(n + 1))
        engine.remove_offering(all_offerings[0].ref)
        print(
            f"          incremental add+remove of one offering: {1000 * (time.perf_counter() - t):.1f} ms"
        )
    if 10_000 in results and 100_000 in results:
        print(f"median time ratio 100k / 10k: {results[100_000] / results[10_000]:.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 10k × 100k rebuild")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--needs", type=int, default=10_000)
    args = parser.parse_args(argv)
    run(args.sizes, args.queries, not args.quick, args.needs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
