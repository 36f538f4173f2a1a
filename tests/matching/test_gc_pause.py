"""The fit pauses the cyclic garbage collector (engine/gc_pause.py) and leaves it as it was,
also when the fit fails: a collector left off would let cyclic garbage pile up for good."""

from __future__ import annotations

import gc

import pytest

from matchmaking.matching.engine import EngineConfig, MatchingEngine
from tools.bench.matching import Synth


@pytest.fixture
def docs():
    synth = Synth(seed=3)
    return [synth.offering(i) for i in range(30)], [synth.need(i) for i in range(6)]


def test_the_collector_is_off_during_the_fit_and_on_again_after(docs, monkeypatch):
    offerings, needs = docs
    engine = MatchingEngine(EngineConfig(workers=1))
    seen = []
    analyze_many = engine.analyzer.analyze_many

    def watched(texts, workers=1):
        seen.append(gc.isenabled())
        return analyze_many(texts, workers)

    monkeypatch.setattr(engine.analyzer, "analyze_many", watched)
    assert gc.isenabled()
    engine.fit(offerings, needs)
    assert seen and not any(seen)
    assert gc.isenabled()


def test_a_failed_fit_turns_the_collector_back_on(docs, monkeypatch):
    offerings, needs = docs
    engine = MatchingEngine(EngineConfig(workers=1))

    def broken(texts, workers=1):
        raise RuntimeError("analysis failed")

    monkeypatch.setattr(engine.analyzer, "analyze_many", broken)
    with pytest.raises(RuntimeError):
        engine.fit(offerings, needs)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(docs):
    offerings, needs = docs
    gc.disable()
    try:
        MatchingEngine(EngineConfig(workers=1)).fit(offerings, needs)
        assert not gc.isenabled()
    finally:
        gc.enable()
