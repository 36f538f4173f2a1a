"""Hubs (engine/hubs.py): an offering whose text reaches the needs of every sector and every
application type about as well as those of its own loses points for every need; specialists,
cross-sector products of one type and markets of few sectors lose nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from matchmaking.matching.engine import EngineConfig, MatchingEngine
from matchmaking.matching.engine.evaluate import load_dataset
from matchmaking.matching.engine.hubs import family_means, hub_severity, kth_largest, text_spread
from tools.bench.gaming import GAME_REF, echo_offering, game_org

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
OFF = EngineConfig(hub_tolerance=1.0)


def labelled(name: str, echo_words: int | None = None):
    """A labelled file's dataset, with the probe's need echo of ``echo_words`` words added."""
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    if echo_words:
        data["organizations"].append(game_org())
        data["offerings"].append(echo_offering(data, echo_words))
    return load_dataset(data)


def fit(ds, config: EngineConfig | None = None) -> MatchingEngine:
    return MatchingEngine(config or EngineConfig()).fit(ds.offerings, ds.needs, ds.cases)


def hub_of(engine: MatchingEngine, ref: str) -> float:
    seg = engine.offerings.main
    return float(seg.arrays["hub"][seg.refs.index(ref)])


def one_hot(rows: list[int], width: int = 6) -> np.ndarray:
    probs = np.zeros((len(rows), width), np.float32)
    probs[np.arange(len(rows)), rows] = 0.8
    return probs


class SpreadTests:
    def test_each_need_counts_under_its_most_probable_code(self):
        text = np.array([[0.6], [0.2], [0.4]], np.float32)
        probs = np.array([[0.7, 0.3], [0.6, 0.4], [0.2, 0.5]], np.float32)
        means = family_means(text, probs, min_share=0.0)
        np.testing.assert_allclose(means[:, 0], [0.4, 0.4])  # (0.6 + 0.2) / 2 and 0.4 / 1

    def test_a_need_without_any_code_and_codes_below_the_share_are_left_out(self):
        text = np.array([[0.9], [0.3], [0.3], [0.3], [0.5]], np.float32)
        probs = np.array(
            [[0, 0, 0], [0.5, 0, 0], [0.5, 0, 0], [0.5, 0, 0], [0, 0.5, 0]], np.float32
        )
        means = family_means(text, probs, min_share=0.25)  # 5 needs: a code needs 2
        np.testing.assert_allclose(means, [[0.3]])
        assert kth_largest(means, 2).tolist() == [0.0]  # fewer codes than k: no measure

    def test_a_flat_profile_spreads_and_a_specialist_does_not(self):
        sectors = one_hot([0, 1, 2, 3, 4, 5])
        apps = one_hot([0, 1, 2, 3, 4, 5])
        echo = np.full(6, 0.3)
        specialist = np.array([0.8, 0.1, 0, 0, 0, 0])
        text = np.stack([echo, specialist], axis=1).astype(np.float32)
        spread = text_spread(text, sectors, apps, kth=3, min_share=0.0)
        np.testing.assert_allclose(spread, [0.3, 0.0], atol=1e-6)

    def test_a_product_of_one_type_for_every_sector_is_not_a_hub(self):
        """Customer service for every sector: broad in sectors, narrow in types."""
        sectors = one_hot([s for s in range(6) for _ in range(2)])
        apps = one_hot([0, 1] * 6)  # each sector: one customer-service need, one other
        service = np.array([0.8, 0.0] * 6, np.float32)[:, None]
        spread = text_spread(service, sectors, apps, kth=3, min_share=0.0)
        assert spread.tolist() == [0.0]

    def test_severity_rises_from_the_tolerance_over_the_width(self):
        config = EngineConfig(hub_tolerance=0.2, hub_width=0.05)
        severity = hub_severity(np.array([0.1, 0.2, 0.225, 0.25, 0.4]), config)
        np.testing.assert_allclose(severity, [0, 0, 0.5, 1, 1], atol=1e-6)


class EngineHubTests:
    @pytest.mark.parametrize("name", ["matching-aligned-2.json", "matching-aligned-3.json"])
    def test_the_need_echo_loses_points_for_every_need_and_honest_offerings_keep_theirs(self, name):
        ds = labelled(name, echo_words=22)
        engine, unmeasured = fit(ds), fit(ds, OFF)
        severity = hub_of(engine, GAME_REF)
        assert severity > 0.5
        honest = np.delete(
            engine.offerings.main.arrays["hub"], engine.offerings.main.refs.index(GAME_REF)
        )
        assert honest.max() <= 0.2  # at most 5 points off any offering written by others
        for need in ds.needs[:8]:
            with_measure = {s.target_ref: s.score for s in engine.rank_offerings(need, top_k=99)}
            without = {s.target_ref: s.score for s in unmeasured.rank_offerings(need, top_k=99)}
            if GAME_REF in with_measure and GAME_REF in without:
                lost = without[GAME_REF] - with_measure[GAME_REF]
                assert lost == pytest.approx(engine.config.hype_penalty * severity, abs=0.2)

    def test_the_spread_is_the_one_the_ranked_components_give(self):
        """hub_spread's own text computation agrees with rank_offerings' text components."""
        ds = labelled("matching-heldout-paraphrased.json", echo_words=22)
        engine = fit(ds)
        needs = engine.needs.main
        text = np.zeros((len(ds.needs), len(ds.offerings)), np.float32)
        column = {ref: j for j, ref in enumerate(engine.offerings.main.refs)}
        for i, need in enumerate(ds.needs):
            assert needs.refs[i] == need.ref
            for s in engine.rank_offerings(need, top_k=999):
                text[i, column[s.target_ref]] = s.components["text"]
        expected = text_spread(
            text,
            needs.arrays["sector_p"],
            needs.arrays["app_p"],
            engine.config.hub_kth,
            engine.config.hub_min_share,
        )
        # rank_offerings leaves out pairs that break hard constraints (their text counts 0
        # there); the echo meets every constraint, so its column is complete
        j = column[GAME_REF]
        assert engine.hub_spread(engine.offerings.main)[j] == pytest.approx(expected[j], abs=2e-3)

    def test_an_offering_added_later_is_measured_against_the_indexed_needs(self):
        ds = labelled("matching-aligned-2.json", echo_words=22)
        echo = next(o for o in ds.offerings if o.ref == GAME_REF)
        engine = MatchingEngine().fit(
            [o for o in ds.offerings if o.ref != GAME_REF], ds.needs, ds.cases
        )
        engine.add_offering(echo)
        delta = engine.offerings.delta
        assert delta.arrays["hub"][delta.refs.index(GAME_REF)] > 0.5
        # and so is an offering ranked without being indexed (an offering's opportunities)
        unmeasured = MatchingEngine(OFF).fit(ds.offerings, ds.needs, ds.cases)
        assert max(s.score for s in engine.rank_needs(echo, top_k=3)) < max(
            s.score for s in unmeasured.rank_needs(echo, top_k=3)
        )

    def test_an_offering_ranked_alone_keeps_its_indexed_severity(self):
        """The rebuild's batch (indexed arrays) and one offering's opportunities (its arrays
        computed afresh, the spread of a one-row block) give the very same list."""
        ds = labelled("matching-aligned-2.json", echo_words=22)
        engine = fit(ds, EngineConfig(hub_width=1.0))  # a severity strictly inside (0, 1)
        assert 0 < hub_of(engine, GAME_REF) < 1
        echo = next(o for o in ds.offerings if o.ref == GAME_REF)
        batch = dict(engine.iter_rank_all_offerings(top_k=10))[GAME_REF]
        alone = engine.rank_needs(echo, top_k=10)
        assert [(s.target_ref, s.score, s.components) for s in batch] == [
            (s.target_ref, s.score, s.components) for s in alone
        ]

    def test_a_market_of_two_sectors_makes_no_hub(self):
        """Needs of two sectors only: nothing to be broad across, nobody loses points."""
        data = json.loads((FIXTURES / "matching-aligned-2.json").read_text(encoding="utf-8"))
        data["needs"] = [
            n
            for n in data["needs"]
            if n.get("sectors") and set(n["sectors"]) <= {"finance", "government"}
        ]
        data["organizations"].append(game_org())
        data["offerings"].append(echo_offering(data, 22))
        ds = load_dataset(data)
        assert len(ds.needs) >= 8
        engine = fit(ds)
        assert not engine.offerings.main.arrays["hub"].any()

    def test_the_measure_survives_a_snapshot(self, tmp_path):
        from matchmaking.matching.engine.snapshot import load_engine, save_engine

        ds = labelled("matching-aligned-2.json", echo_words=22)
        engine = fit(ds)
        (tmp_path / "snap").mkdir()
        save_engine(engine, tmp_path / "snap")
        loaded, _, _ = load_engine(tmp_path / "snap")
        assert hub_of(loaded, GAME_REF) == hub_of(engine, GAME_REF) > 0.5
        need = ds.needs[0]
        assert [(s.target_ref, s.score) for s in loaded.rank_offerings(need)] == [
            (s.target_ref, s.score) for s in engine.rank_offerings(need)
        ]
