"""Measure the engine on labelled `llm-match/v1` files, side by side with a plain BM25 baseline.

    python -m matchmaking.matching.engine.evaluate FILE [FILE…] [--variants]

Every offering is ranked for every need (top 60); the metrics are those of metrics.py. With
``--variants`` the ablations of MEASUREMENTS.md are measured too.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import EngineConfig
from .documents import CaseDoc, NeedDoc, OfferingDoc
from .engine import MatchingEngine
from .metrics import HEADERS, Report, evaluate_rankings
from .text import BM25, AnalyzerOptions, bm25_tokens


@dataclass
class Dataset:
    offerings: list[OfferingDoc]
    needs: list[NeedDoc]
    cases: list[CaseDoc]
    labels: dict[str, dict[str, int]]


def _case_text(case: Mapping[str, Any]) -> str:
    metrics = "；".join(
        f"{m.get('name', '')}{m.get('value', '')}" for m in case.get("metrics") or []
    )
    parts = [
        case.get("client"),
        case.get("challenge"),
        case.get("solution"),
        case.get("outcome"),
        metrics,
    ]
    return "\n".join(p for p in parts if p)


#: A file has no dates: its offerings count as published in the order it lists them, this many
#: days apart (a tenth of a second: freshness does not notice, the copy rule does).
FILE_ORDER_DAYS = 1e-6


def load_dataset(data: Mapping[str, Any]) -> Dataset:
    """Documents of an `llm-match/v1` object (only published offerings and open needs)."""
    if data.get("format") != "llm-match/v1":
        raise ValueError("not an llm-match/v1 file")
    cases = [
        CaseDoc(
            ref=c["ref"],
            vendor_ref=c["vendor"],
            offering_ref=c.get("offering"),
            sector=c.get("sector"),
            app_type=c.get("app_type"),
            title=c.get("title", ""),
            text=_case_text(c),
        )
        for c in data.get("cases", [])
    ]
    filed = {
        o["ref"] for o in data.get("organizations", []) if str(o.get("filing_number") or "").strip()
    }
    case_sectors: dict[str, list[str]] = {}
    for case in cases:
        if case.offering_ref and case.sector:
            case_sectors.setdefault(case.offering_ref, []).append(case.sector)
    listed = [o for o in data.get("offerings", []) if o.get("status", "published") == "published"]
    offerings = [
        OfferingDoc(
            ref=o["ref"],
            org_ref=o["org"],
            title=o.get("title", ""),
            summary=o.get("summary", ""),
            description=o.get("description", ""),
            kind=o.get("kind") or "product",
            layer=o.get("layer"),
            sectors=tuple(o.get("sectors") or ()),
            app_types=tuple(o.get("app_types") or ()),
            deployment=tuple(o.get("deployment") or ()),
            price_min=o.get("price_min"),
            price_max=o.get("price_max"),
            regions=tuple(o.get("regions") or ()),
            tags=tuple(o.get("tags") or ()),
            has_filing=o["org"] in filed,
            domestic_hw=bool(o.get("domestic_platforms")),
            on_premises=bool(o.get("on_premises_data")),
            published_case_sectors=tuple(case_sectors.get(o["ref"], ())),
            # the file's order is the order of publication, as the importer creates them
            created_days_ago=(len(listed) - i) * FILE_ORDER_DAYS,
        )
        for i, o in enumerate(listed)
    ]
    needs = [
        NeedDoc(
            ref=n["ref"],
            org_ref=n["org"],
            title=n.get("title", ""),
            description=n.get("description", ""),
            sectors=tuple(n.get("sectors") or ()),
            app_types=tuple(n.get("app_types") or ()),
            deployment=tuple(n.get("deployment") or ()),
            budget_min=n.get("budget_min"),
            budget_max=n.get("budget_max"),
            region=n.get("region"),
            requires_domestic_hw=bool(n.get("requires_domestic_hw")),
            requires_on_premises=bool(n.get("requires_on_premises")),
            requires_filing=bool(n.get("requires_filing")),
        )
        for n in data.get("needs", [])
        if n.get("status", "open") == "open"
    ]
    labels: dict[str, dict[str, int]] = {}
    for lab in data.get("labels", []):
        labels.setdefault(lab["need"], {})[lab["offering"]] = int(lab["grade"])
    return Dataset(offerings, needs, cases, labels)


def load_file(path: str | Path) -> Dataset:
    return load_dataset(json.loads(Path(path).read_text(encoding="utf-8")))


def bm25_ranker(ds: Dataset) -> Callable[[NeedDoc], list[str]]:
    """The baseline: BM25 over jieba words + character bigrams of title, summary, description, tags."""
    docs = [
        bm25_tokens("\n".join([o.title, o.summary, o.description, " ".join(o.tags)]))
        for o in ds.offerings
    ]
    index = BM25(docs)
    refs = [o.ref for o in ds.offerings]

    def rank(need: NeedDoc) -> list[str]:
        scores = index.scores(bm25_tokens(need.title + "\n" + need.description))
        order = sorted(range(len(refs)), key=lambda i: (-scores[i], refs[i]))
        return [refs[i] for i in order]

    return rank


def engine_ranker(
    ds: Dataset, config: EngineConfig | None = None
) -> Callable[[NeedDoc], list[str]]:
    engine = MatchingEngine(config or EngineConfig()).fit(ds.offerings, ds.needs, ds.cases)
    n = len(ds.offerings)
    return lambda need: [s.target_ref for s in engine.rank_offerings(need, top_k=n)]


def _text_only(**families: float) -> EngineConfig:
    """A pure TF-IDF ranker (plus the hard constraints) over the given feature families."""
    opts = AnalyzerOptions(words="w" in families, bigrams="b" in families)
    return EngineConfig(
        weights={"text": 1.0},
        family_weights=families,
        analyzer=opts,
        use_lexicon=False,
        use_reach=False,
        specific_gate_at=0.0,
        text_scale=1.0,
    )


def variants() -> dict[str, EngineConfig]:
    """The configurations compared in MEASUREMENTS.md (the default engine is measured apart)."""
    base = EngineConfig()
    fw = dict(base.family_weights)
    return {
        "TF-IDF jieba words (text only)": _text_only(w=1.0),
        "TF-IDF char bigrams (text only)": _text_only(b=1.0),
        "TF-IDF words+bigrams (text only)": _text_only(w=1.0, b=0.5),
        "TF-IDF words+bigrams+lexicon (text only)": dataclasses.replace(
            base, weights={"text": 1.0}, specific_gate_at=0.0, text_scale=1.0
        ),
        "engine, jieba words only (no bigrams)": dataclasses.replace(
            base, family_weights={**fw, "b": 0.0}, analyzer=AnalyzerOptions(bigrams=False)
        ),
        "engine, char bigrams only (no words)": dataclasses.replace(
            base, family_weights={**fw, "w": 0.0}, analyzer=AnalyzerOptions(words=False)
        ),
        "engine, dictionary segmenter (fast)": dataclasses.replace(
            base, analyzer=AnalyzerOptions(segmenter="dictionary")
        ),
        "engine, no category inference": dataclasses.replace(base, use_category_inference=False),
        "engine, category model without data": dataclasses.replace(
            base, category=dataclasses.replace(base.category, use_data=False)
        ),
        "engine, no lexicon": dataclasses.replace(base, use_lexicon=False),
        "engine, no lexicon, no inference": dataclasses.replace(
            base, use_lexicon=False, use_category_inference=False
        ),
        "engine, no specialisation gate": dataclasses.replace(base, specific_gate_at=0.0),
        "engine, no text reach": dataclasses.replace(base, use_reach=False),
        "engine, no case text": dataclasses.replace(base, include_case_text=False),
        "engine, layer weight 0": dataclasses.replace(base, weights={**base.weights, "layer": 0.0}),
    }


def evaluate(
    ds: Dataset, rankers: Mapping[str, Callable[[NeedDoc], Sequence[str]]]
) -> dict[str, Report]:
    offerings = {o.ref: o for o in ds.offerings}
    return {
        name: evaluate_rankings(ds.needs, offerings, ds.labels, rank)
        for name, rank in rankers.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--variants", action="store_true", help="also measure the ablations")
    args = parser.parse_args(argv)
    np.set_printoptions(precision=3)
    for path in args.files:
        ds = load_file(path)
        rankers: dict[str, Callable[[NeedDoc], Sequence[str]]] = {
            "BM25 baseline": bm25_ranker(ds),
            "engine (default)": engine_ranker(ds),
        }
        if args.variants:
            for name, cfg in variants().items():
                rankers[name] = engine_ranker(ds, cfg)
        reports = evaluate(ds, rankers)
        width = max(len(n) for n in reports) + 2
        print(f"\n{Path(path).name}: {len(ds.needs)} needs, {len(ds.offerings)} offerings")
        print("method".ljust(width) + "".join(h.rjust(9) for h in HEADERS))
        for name, rep in reports.items():
            print(name.ljust(width) + "".join(v.rjust(9) for v in rep.as_row()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
