"""The batched ranking of the rebuild (engine ``iter_rank_all_offerings`` and
``iter_rank_all_needs``, services ``suggestions_rebuild_all``) gives exactly the lists that
ranking one listing at a time gives: same targets, order, scores, components and reasons."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from matchmaking.matching import calibration, learning, services
from matchmaking.matching.engine import EngineConfig, MatchingEngine
from matchmaking.matching.models import Direction, Suggestion, SuggestionFeedback
from tests import factories
from tools.bench.matching import Synth


def _ranked(found):
    return [(s.target_ref, s.score, s.components, s.reasons) for s in found]


@pytest.fixture(scope="module")
def world():
    """A synthetic world with private needs, a delta segment on both sides and removed rows."""
    synth = Synth(seed=23)
    offerings = [synth.offering(i) for i in range(700)]
    needs = [synth.need(i) for i in range(160)]
    for i in range(0, len(needs), 9):  # private: only two vendors may see it
        audience = frozenset({offerings[i].org_ref, offerings[i + 3].org_ref})
        needs[i] = dataclasses.replace(needs[i], visible_to_orgs=audience)
    engine = MatchingEngine(EngineConfig(workers=1)).fit(offerings, needs, [])
    late_offerings = [synth.offering(1000 + i) for i in range(5)]
    late_needs = [synth.need(1000 + i) for i in range(4)]
    for doc in late_offerings:
        engine.add_offering(doc)
    for doc in late_needs:
        engine.add_need(doc)
    for ref in (offerings[5].ref, offerings[400].ref, late_offerings[1].ref):
        engine.remove_offering(ref)
    engine.remove_need(needs[7].ref)
    live_offerings = [o for o in offerings + late_offerings if o.ref in engine.offerings.where]
    live_needs = [n for n in needs + late_needs if n.ref in engine.needs.where]
    assert engine.offerings.delta is not None and engine.needs.delta is not None
    return engine, live_offerings, live_needs


class BatchedOfferingsTests:
    @pytest.mark.parametrize("top_k,chunk_size", [(5, 64), (20, 37)])
    def test_every_offerings_needs_are_those_of_ranking_it_alone(self, world, top_k, chunk_size):
        engine, offerings, _needs = world
        batch = list(engine.iter_rank_all_offerings(top_k=top_k, chunk_size=chunk_size))
        assert [ref for ref, _ in batch] == [o.ref for o in offerings]
        for (ref, found), offering in zip(batch, offerings, strict=True):
            assert _ranked(found) == _ranked(engine.rank_needs(offering, top_k=top_k)), ref

    def test_a_private_need_reaches_only_the_vendors_it_names(self, world):
        engine, offerings, needs = world
        private = {n.ref: n.visible_to_orgs for n in needs if n.visible_to_orgs is not None}
        by_ref = {o.ref: o for o in offerings}
        seen = 0
        for ref, found in engine.iter_rank_all_offerings(top_k=40):
            for suggestion in found:
                if suggestion.target_ref in private:
                    seen += 1
                    assert by_ref[ref].org_ref in private[suggestion.target_ref]
        assert seen > 0

    def test_every_needs_offerings_are_those_of_ranking_it_alone(self, world):
        engine, _offerings, needs = world
        batch = dict(engine.iter_rank_all_needs(top_k=10, chunk_size=16))
        assert set(batch) == {n.ref for n in needs}
        for need in needs:
            assert _ranked(batch[need.ref]) == _ranked(engine.rank_offerings(need, top_k=10))

    @pytest.mark.parametrize("count", [2, 3])
    def test_shares_deal_out_every_offering_once_with_the_same_list(self, world, count):
        """The rebuild's ranking processes each take a share of the chunks (delta segment
        included): together exactly the lists of one process, each listing once."""
        engine, _offerings, _needs = world
        whole = [
            (ref, _ranked(found))
            for ref, found in engine.iter_rank_all_offerings(top_k=8, chunk_size=50)
        ]
        parts = [
            [
                (ref, _ranked(found))
                for ref, found in engine.iter_rank_all_offerings(
                    top_k=8, chunk_size=50, share=(i, count)
                )
            ]
            for i in range(count)
        ]
        assert all(parts)
        assert sorted(item for part in parts for item in part) == sorted(whole)

    @pytest.mark.parametrize("count", [2, 3])
    def test_shares_deal_out_every_need_once_with_the_same_list(self, world, count):
        engine, _offerings, _needs = world
        whole = [(ref, _ranked(found)) for ref, found in engine.iter_rank_all_needs(chunk_size=16)]
        parts = [
            [
                (ref, _ranked(found))
                for ref, found in engine.iter_rank_all_needs(chunk_size=16, share=(i, count))
            ]
            for i in range(count)
        ]
        assert all(parts)
        assert sorted(item for part in parts for item in part) == sorted(whole)

    @pytest.mark.parametrize("share", [(2, 2), (-1, 2), (0, 0)])
    def test_a_share_outside_its_count_is_refused(self, world, share):
        engine, _offerings, _needs = world
        with pytest.raises(ValueError, match="share"):
            next(engine.iter_rank_all_needs(share=share))

    def test_a_listings_words_are_rebuilt_from_its_row_as_its_analysis_gave_them(self, world):
        """Explanations of the batch take a listing's words from its segment row: they must
        be those its own analysis gives (synonyms keep the word that came first)."""
        engine, offerings, _needs = world
        side = engine.offerings
        for offering in offerings[:80]:
            si, row = side.where[offering.ref]
            analysed = engine.analyzer.analyze(engine._offering_text(offering)).display
            assert engine._display(side.segments[si], row) == analysed


@pytest.fixture
def frozen_clock(monkeypatch):
    """One instant for the whole test: a listing's freshness is computed from its age when its
    document is built, so a list ranked seconds after the rebuild (a slow, loaded machine) could
    differ in the fourth decimal of that component — not what these tests are about."""
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)
    return instant


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_engine", "frozen_clock")
class RebuildStoresTheSameListsTests:
    @pytest.mark.parametrize("rank_workers", [1, 2])
    def test_the_rebuild_stores_what_ranking_each_offering_alone_gives(self, rank_workers):
        vendors, _enterprises, offerings, needs = _market(3, 3, 9, 6, 50_000, 200_000)
        SuggestionFeedback.objects.create(
            need=needs[0],
            offering=offerings[0],
            direction=Direction.FOR_OFFERING,
            organization=vendors[0],
        )
        counts = services.suggestions_rebuild_all(rank_workers=rank_workers)
        assert counts["offerings"] == len(offerings) and counts["needs"] == len(needs)
        assert {"fit_s", "needs_s", "offerings_s", "longest_write_ms", "write_s"} <= set(counts)
        for offering in offerings:
            alone = services.rank_needs_for_offering(offering.pk)
            assert _stored(Direction.FOR_OFFERING, offering=offering) == _expected(
                Direction.FOR_OFFERING, alone
            )
        assert not Suggestion.objects.filter(
            direction=Direction.FOR_OFFERING, offering=offerings[0], need=needs[0]
        ).exists()
        for need in needs:
            alone = services.rank_offerings_for_need(need.pk)
            assert _stored(Direction.FOR_NEED, need=need) == _expected(Direction.FOR_NEED, alone)

    def test_two_ranking_processes_store_the_same_rows_as_one(self, tmp_path, monkeypatch):
        """Lists ranked in forked processes (private needs and dismissals on both sides left to
        the writing process) are stored row for row as one process stores them."""
        _vendors, enterprises, offerings, needs = _market(3, 2, 10, 7, 40_000, 250_000)
        needs.append(factories.make_need(organization=enterprises[0], visibility="private"))
        SuggestionFeedback.objects.create(
            need=needs[1], offering=offerings[2], direction=Direction.FOR_NEED
        )
        SuggestionFeedback.objects.create(
            need=needs[3], offering=offerings[4], direction=Direction.FOR_OFFERING
        )
        monkeypatch.setattr(services, "REBUILD_BATCH", 3)
        services.suggestions_rebuild_all(rank_workers=1)
        alone = _table()
        assert alone

        pids = tmp_path / "pids"
        rows_of = services._rows_of

        def recorded(direction, items):
            with pids.open("a") as out:
                out.write(f"{os.getpid()}\n")
            return rows_of(direction, items)

        monkeypatch.setattr(services, "_rows_of", recorded)
        Suggestion.objects.all().delete()
        counts = services.suggestions_rebuild_all(rank_workers=2)
        assert _table() == alone
        assert counts["suggestions"] == len(alone)
        ranked_in = set(pids.read_text().split())
        # two children ranked the batched lists; this process only the ones it had to
        assert len(ranked_in - {str(os.getpid())}) == 2

    def test_the_rebuild_scores_with_the_stored_calibration_and_ranker(self, settings, tmp_path):
        """The rebuild looks the calibration and the learned ranker up once: its stored scores
        are still those of ranking each listing alone with them."""
        settings.MATCHING_CALIBRATION_FILE = str(tmp_path / "calibration.json")
        settings.MATCHING_RANKER_FILE = str(tmp_path / "ranker.json")
        calibration.save(calibration.Calibration((0.0, 100.0), (10.0, 60.0)))
        learning.save(
            learning.PairwiseRanker(("text", "budget"), (3.0, 1.0), scale=2.0, active=True)
        )
        offerings = [factories.make_offering(price_min=60_000 * (i + 1)) for i in range(5)]
        needs = [factories.make_need(budget_max=300_000 * (i + 1)) for i in range(4)]
        services.suggestions_rebuild_all(rank_workers=2)
        stored = _table()
        assert stored and all(10.0 <= row[3] <= 60.0 for row in stored)
        for offering in offerings:
            alone = services.rank_needs_for_offering(offering.pk)
            assert _stored(Direction.FOR_OFFERING, offering=offering) == _expected(
                Direction.FOR_OFFERING, alone
            )
        for need in needs:
            alone = services.rank_offerings_for_need(need.pk)
            assert _stored(Direction.FOR_NEED, need=need) == _expected(Direction.FOR_NEED, alone)

    def test_sqlite_checkpoints_less_often_only_while_the_rebuild_writes(self, monkeypatch):
        if connection.vendor != "sqlite":
            pytest.skip("a SQLite setting")
        monkeypatch.setattr(services, "REBUILD_BATCH", 1)
        for _ in range(3):
            factories.make_offering()
            factories.make_need()

        def autocheckpoint() -> int:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_autocheckpoint")
                return cursor.fetchone()[0]

        before = autocheckpoint()
        assert before != services.REBUILD_CHECKPOINT_PAGES
        during = []
        services.suggestions_rebuild_all(progress=lambda *_: during.append(autocheckpoint()))
        assert during and set(during) == {services.REBUILD_CHECKPOINT_PAGES}
        assert autocheckpoint() == before

    def test_a_failing_ranking_process_fails_the_rebuild(self):
        def produce(share):
            yield share
            if share[0] == 1:
                raise ValueError("boom in a ranking process")

        with pytest.raises(RuntimeError, match="boom in a ranking process"):
            list(services._in_processes(produce, 2))
        assert sorted(services._in_processes(lambda share: iter([share]), 3)) == [
            (0, 3),
            (1, 3),
            (2, 3),
        ]
        assert list(services._in_processes(lambda share: iter([share]), 1)) == [(0, 1)]

    def test_each_ranking_process_uses_its_share_of_the_cores_for_blas(self, monkeypatch):
        """Two ranking processes on 2 cores with OpenBLAS's thread per core each ran 1.5×
        slower each than one alone; each gets one thread (its share)."""
        from threadpoolctl import threadpool_info

        from matchmaking.matching.engine import pools

        def blas_threads(share):
            yield min(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")

        monkeypatch.setattr(pools, "usable_cores", lambda: 2)
        assert list(services._in_processes(blas_threads, 2)) == [1, 1]


def _market(n_vendors, n_enterprises, n_offerings, n_needs, price_step, budget_step):
    """Vendors, enterprises, offerings priced and needs budgeted in steps, owners in turn."""
    vendors = [factories.make_organization(kind="vendor") for _ in range(n_vendors)]
    enterprises = [factories.make_organization(kind="enterprise") for _ in range(n_enterprises)]
    offerings = [
        factories.make_offering(organization=vendors[i % n_vendors], price_min=price_step * (i + 1))
        for i in range(n_offerings)
    ]
    needs = [
        factories.make_need(
            organization=enterprises[i % n_enterprises], budget_max=budget_step * (i + 1)
        )
        for i in range(n_needs)
    ]
    return vendors, enterprises, offerings, needs


def _table():
    return sorted(
        Suggestion.objects.values_list(
            "need_id", "offering_id", "direction", "score", "rank", "components", "reasons"
        ),
        key=repr,
    )


def _stored(direction, **owner):
    """A stored list as (target id, score, components, reasons), best first."""
    return list(
        Suggestion.objects.filter(direction=direction, **owner)
        .order_by("rank")
        .values_list(_target(direction), "score", "components", "reasons")
    )


def _expected(direction, ranked):
    return [
        (getattr(r, _target(direction)), pytest.approx(r.score), r.components, r.reasons)
        for r in ranked
    ]


def _target(direction):
    return "need_id" if direction == Direction.FOR_OFFERING else "offering_id"


def test_need_visibility_of_some_rows_is_that_of_all_rows_there(world):
    """``need_visibility(seg, viewer, rows)`` (one offering's candidate needs) reads only
    those rows: the same values as the whole segment's mask at them, private needs included."""
    from matchmaking.matching.engine.ranking import need_visibility

    engine, offerings, _needs = world
    for seg in engine.needs.segments:
        assert not seg.arrays["public"].all() or seg is not engine.needs.main
        rows = np.arange(len(seg))[::-1][: max(1, len(seg) // 2)]
        for viewer in {o.org_ref for o in offerings[:40]} | {"nobody"}:
            assert np.array_equal(
                need_visibility(seg, viewer, rows), need_visibility(seg, viewer)[rows]
            )


def test_needs_scored_in_blocks_give_the_lists_of_one_block(world, monkeypatch):
    """The batch path scores the needs against a chunk of offerings a block of needs at a
    time (``ranking.NEED_BLOCK``, 1,024): with blocks of 7 (the last one short) every
    offering's list is still that of ranking it alone, private needs included."""
    from matchmaking.matching.engine import ranking

    engine, offerings, _needs = world
    monkeypatch.setattr(ranking, "NEED_BLOCK", 7)
    assert len(engine.needs.main) % 7
    batch = list(engine.iter_rank_all_offerings(top_k=8, chunk_size=50))
    assert [ref for ref, _ in batch] == [o.ref for o in offerings]
    for (ref, found), offering in zip(batch, offerings, strict=True):
        assert _ranked(found) == _ranked(engine.rank_needs(offering, top_k=8)), ref


def test_chunk_cosines_are_the_sparse_products_values_bit_for_bit(world):
    """``chunk_cosines`` (the batch path's text cosines of a chunk against a segment) gives
    exactly the float32 values of the sparse product it replaced, for chunks of either side,
    a listing without words in the chunk and a chunk of such listings only."""
    import scipy.sparse as sp

    from matchmaking.matching.engine.ranking import chunk_cosines

    engine, _offerings, _needs = world
    for side, other in ((engine.offerings, engine.needs), (engine.needs, engine.offerings)):
        for seg in side.segments:
            for target in other.segments:
                Q = sp.csr_matrix(seg.X[: min(len(seg), 40)])
                Q = sp.vstack([Q, sp.csr_matrix((1, Q.shape[1]), dtype=np.float32)], "csr")
                expected = (target.X @ Q.T).T.toarray().astype(np.float32)
                got = chunk_cosines(target, Q)
                assert got.dtype == np.float32 and got.shape == expected.shape
                assert np.array_equal(got, expected)
                assert expected.any() and not got[-1].any()
    empty = sp.csr_matrix((3, engine.needs.main.X.shape[1]), dtype=np.float32)
    got = chunk_cosines(engine.needs.main, empty)
    assert got.shape == (3, len(engine.needs.main)) and not got.any()
