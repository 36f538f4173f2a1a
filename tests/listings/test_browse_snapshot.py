"""Browse index snapshots (listings/browse/snapshot.py): a process that built an index
publishes it; a starting process opens it (memory-mapped) instead of building, then patches in
what changed since from the change feed — and ends with the index a fresh build gives."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaking.listings.browse import index as browse_index
from matchmaking.listings.browse import snapshot
from matchmaking.listings.browse.needs import NeedIndex, need_index
from matchmaking.listings.browse.offerings import OfferingIndex, offering_index
from matchmaking.listings.browse.offerings import holder as offerings_holder
from tests import factories
from tests.listings.test_browse_index_patching import (
    _change_needs,
    _change_offerings,
    _same,
    make_world,
)


@pytest.fixture
def world(transactional_db):
    """Committed rows (an index built inside a transaction is never published)."""
    vendors, enterprises = make_world()
    browse_index.reset_indexes()
    yield vendors, enterprises
    browse_index.reset_indexes()


def _new_process():
    """What a starting process holds: no index, no cursor."""
    browse_index.reset_indexes()


def _no_build(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("built instead of opened from the snapshot")

    monkeypatch.setattr(browse_index.IndexHolder, "_rebuild", refuse)


class BrowseSnapshotTests:
    def test_a_starting_process_opens_the_published_index_instead_of_building(
        self, world, monkeypatch
    ):
        monkeypatch.setattr(snapshot, "MAPPED_BYTES", 256)  # large arrays: mapped files
        built = offering_index()
        assert snapshot.current(snapshot.folder(OfferingIndex)) is not None
        _new_process()
        with monkeypatch.context() as patch:
            _no_build(patch)
            opened = offering_index()
        _same(opened, built)
        assert opened.built_at == pytest.approx(built.built_at, abs=1.0)
        # the postings of the long search column are pages of the snapshot's files
        assert isinstance(opened.search.base.positions, np.memmap)
        assert opened.contains("search", "客服").sum() == built.contains("search", "客服").sum() > 0

    def test_rows_changed_after_the_snapshot_are_patched_in(self, world, monkeypatch):
        vendors, enterprises = world
        offering_index(), need_index()
        _change_offerings(vendors)
        _change_needs(enterprises)
        _new_process()
        with monkeypatch.context() as patch:
            _no_build(patch)
            offerings, needs = offering_index(), need_index()
        _same(offerings, OfferingIndex())
        _same(needs, NeedIndex())

    def test_a_snapshot_older_than_the_index_age_limit_is_not_opened(self, world, settings):
        first = offering_index()
        _new_process()
        settings.LISTINGS_INDEX_MAX_AGE_SECONDS = 0
        assert snapshot.load(OfferingIndex) is None
        settings.LISTINGS_INDEX_MAX_AGE_SECONDS = 900
        assert offering_index().built_at == pytest.approx(first.built_at, abs=1.0)

    def test_a_snapshot_of_another_layout_is_not_opened(self, world, monkeypatch):
        offering_index()
        _new_process()
        monkeypatch.setattr(snapshot, "FORMAT", snapshot.FORMAT + 1)
        assert snapshot.load(OfferingIndex) is None
        assert offerings_holder.get() is not None  # built afresh

    def test_an_index_built_inside_a_transaction_is_not_published(self, world):
        from django.db import transaction

        with transaction.atomic():
            factories.make_offering(organization=world[0][0], title="回滚的产品")
            offering_index()
            transaction.set_rollback(True)
        assert snapshot.current(snapshot.folder(OfferingIndex)) is None

    def test_snapshots_off_when_the_setting_is_empty(self, world, settings):
        settings.LISTINGS_INDEX_SNAPSHOT_DIR = ""
        offering_index()
        assert snapshot.save(offering_index(), {"high": 0, "gaps": []}) is None
        assert snapshot.load(OfferingIndex) is None
