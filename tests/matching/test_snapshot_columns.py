"""Snapshot documents are packed (engine/snapshot.py ``PackedDocs``): opening a snapshot
unpickles no per-listing object, and every document read back equals the one saved."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from matchmaking.matching.engine import EngineConfig, MatchingEngine, NeedDoc
from matchmaking.matching.engine import snapshot as files
from tools.bench.matching import Synth


@pytest.fixture(scope="module")
def world():
    synth = Synth(seed=5)
    offerings = [synth.offering(i) for i in range(300)]
    offerings[1] = dataclasses.replace(offerings[1], price_min=None, layer=None, regions=())
    needs = [synth.need(i) for i in range(40)]
    needs[0] = dataclasses.replace(needs[0], visible_to_orgs=frozenset({"v-00001", "v-00002"}))
    needs[1] = dataclasses.replace(
        needs[1], region=None, budget_max=None, title="不要公有云「引号」"
    )
    engine = MatchingEngine(EngineConfig(workers=1)).fit(offerings, needs, [])
    engine.add_need(synth.need(900))  # a delta segment is saved too
    return engine


class PackedDocumentsTests:
    def test_every_document_reads_back_equal(self, world, tmp_path):
        path = files.publish(tmp_path, lambda d: files.save_engine(world, d))
        loaded, _, _ = files.load_engine(path)
        for name in ("offerings", "needs"):
            for saved, opened in zip(
                getattr(world, name).segments, getattr(loaded, name).segments, strict=True
            ):
                assert isinstance(opened.docs, files.PackedDocs)
                assert len(opened.docs) == len(saved.docs)
                assert list(opened.docs) == list(saved.docs)
                assert opened.docs[-1] == saved.docs[-1]
                assert opened.docs[1:3] == saved.docs[1:3]
                with pytest.raises(IndexError):
                    opened.docs[len(saved.docs)]
        private = loaded.needs.main.docs[0]
        assert isinstance(private, NeedDoc)
        assert private.visible_to_orgs == frozenset({"v-00001", "v-00002"})
        assert isinstance(private.sectors, tuple)

    def test_the_state_file_holds_no_document(self, world, tmp_path):
        path = files.publish(tmp_path, lambda d: files.save_engine(world, d))
        with open(path / files.STATE, "rb") as fh:
            state = pickle.load(fh)  # noqa: S301 - written by the test just above
        for specs in state["sides"].values():
            for spec in specs:
                assert spec["docs"] in ("OfferingDoc", "NeedDoc")
        loaded, _, _ = files.load_engine(path)
        assert isinstance(loaded.offerings.main.docs.blob, np.memmap)

    def test_a_saved_copy_of_an_opened_snapshot_opens_alike(self, world, tmp_path):
        first = files.publish(tmp_path / "a", lambda d: files.save_engine(world, d))
        opened, _, _ = files.load_engine(first)
        second = files.publish(tmp_path / "b", lambda d: files.save_engine(opened, d))
        again, _, _ = files.load_engine(second)
        assert list(again.offerings.main.docs) == list(world.offerings.main.docs)
        need = world.needs.main.docs[3]
        assert [s.target_ref for s in again.rank_offerings(need, top_k=5)] == [
            s.target_ref for s in world.rank_offerings(need, top_k=5)
        ]
