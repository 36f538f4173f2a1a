"""Engine snapshots (matching/engine/snapshot.py, matching/snapshots.py, index.EngineHolder):
the engine is fitted once, written to files, memory-mapped by the other processes, and a web
worker never fits it."""

from __future__ import annotations

import threading
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from django.urls import reverse

from matchmaking.matching import services, snapshots
from matchmaking.matching.engine import EngineConfig, MatchingEngine
from matchmaking.matching.engine import snapshot as files
from matchmaking.matching.models import LexiconKind, LexiconTerm, Suggestion
from matchmaking.matching.runtime import EngineUnavailable, holder
from tests import factories
from tools.bench.matching import Synth


@pytest.fixture(scope="module")
def corpus():
    synth = Synth(seed=11)
    offerings = [synth.offering(i) for i in range(400)]
    needs = [synth.need(i) for i in range(60)]
    extra = synth.offering(5000)
    return offerings, needs, extra


@pytest.fixture(scope="module")
def fitted(corpus):
    offerings, needs, _extra = corpus
    return MatchingEngine(EngineConfig(workers=1)).fit(offerings, needs, [])


def _ranked(found):
    return [(s.target_ref, s.score, s.components, s.reasons) for s in found]


class SnapshotFilesTests:
    def test_a_loaded_snapshot_ranks_exactly_like_the_fitted_engine(self, fitted, corpus, tmp_path):
        offerings, needs, extra = corpus
        path = files.publish(tmp_path, lambda d: files.save_engine(fitted, d))
        loaded, manifest, _ = files.load_engine(path)
        assert manifest["offerings"] == len(offerings) and manifest["needs"] == len(needs)
        # the big arrays are read-only maps of the files, not private copies
        assert isinstance(loaded.offerings.main.X.data, np.memmap)
        assert isinstance(loaded.offerings.main.arrays["static"], np.memmap)
        for need in needs[:25]:
            assert _ranked(loaded.rank_offerings(need, top_k=10)) == _ranked(
                fitted.rank_offerings(need, top_k=10)
            )
        for offering in offerings[:10]:
            assert _ranked(loaded.rank_needs(offering, top_k=5)) == _ranked(
                fitted.rank_needs(offering, top_k=5)
            )
        batch = [(ref, _ranked(found)) for ref, found in loaded.iter_rank_all_needs(top_k=5)]
        assert batch == [
            (ref, _ranked(found)) for ref, found in fitted.iter_rank_all_needs(top_k=5)
        ]
        text = "银行信用卡中心智能客服机器人"
        assert loaded.infer_categories(text) == fitted.infer_categories(text)

    def test_a_loaded_snapshot_takes_incremental_changes_like_the_fitted_engine(
        self, corpus, tmp_path
    ):
        offerings, needs, extra = corpus
        fresh = MatchingEngine(EngineConfig(workers=1)).fit(offerings, needs, [])
        path = files.publish(tmp_path, lambda d: files.save_engine(fresh, d))
        loaded, _, _ = files.load_engine(path)
        for engine in (fresh, loaded):
            engine.add_offering(extra)
            engine.remove_offering(offerings[3].ref)
            engine.remove_need(needs[0].ref)
        for need in needs[1:20]:
            assert _ranked(loaded.rank_offerings(need, top_k=10)) == _ranked(
                fresh.rank_offerings(need, top_k=10)
            )
        assert len(loaded.offerings) == len(offerings)
        # the file on disk is untouched: a second process still sees every listing
        again, _, _ = files.load_engine(path)
        assert len(again.offerings) == len(offerings) and len(again.needs) == len(needs)

    def test_a_reader_during_a_publish_sees_the_old_or_the_new_snapshot(self, fitted, tmp_path):
        old = files.publish(tmp_path, lambda d: files.save_engine(fitted, d, manifest={"n": 1}))
        seen_midway = {}

        def slow_write(directory: Path):
            info = files.save_engine(fitted, directory, manifest={"n": 2})
            # the new files are all written but not published: a reader gets the old one
            current = files.current(tmp_path)
            seen_midway["name"] = current.name
            seen_midway["n"] = files.load_engine(current)[1]["n"]
            return info

        new = files.publish(tmp_path, slow_write)
        assert seen_midway == {"name": old.name, "n": 1}
        assert files.current(tmp_path) == new
        assert files.load_engine(new)[1]["n"] == 2
        assert old.exists()  # kept: a reader may still be opening it

    def test_readers_in_threads_never_open_a_half_snapshot(self, fitted, tmp_path):
        files.publish(tmp_path, lambda d: files.save_engine(fitted, d, manifest={"n": 0}))
        stop = threading.Event()
        problems: list[BaseException] = []
        opened: list[int] = []

        def reader():
            while not stop.is_set():
                path = files.current(tmp_path)
                try:
                    opened.append(files.load_engine(path)[1]["n"])
                except FileNotFoundError:
                    # pruned after we read CURRENT (two publishes later): read it again
                    continue
                except BaseException as exc:  # noqa: BLE001 - reported below
                    problems.append(exc)

        thread = threading.Thread(target=reader)
        thread.start()
        try:
            for n in range(1, 6):
                files.publish(
                    tmp_path, lambda d, n=n: files.save_engine(fitted, d, manifest={"n": n})
                )
        finally:
            stop.set()
            thread.join()
        assert not problems
        assert opened and set(opened) <= set(range(6))
        assert len(list(tmp_path.glob("snap-*"))) == 1 + files.KEEP_PREVIOUS

    def test_a_writer_that_fails_leaves_the_current_snapshot_alone(self, fitted, tmp_path):
        old = files.publish(tmp_path, lambda d: files.save_engine(fitted, d))

        def broken(directory: Path):
            files.save_engine(fitted, directory)
            raise OSError("disk full")

        with pytest.raises(OSError):
            files.publish(tmp_path, broken)
        assert files.current(tmp_path) == old
        assert not list(tmp_path.glob(".tmp-*"))


@pytest.fixture
def fresh_holder():
    holder.reset()
    yield holder
    holder.reset()


def _no_fit(*args, **kwargs):
    raise AssertionError("the engine was fitted in a web worker")


@pytest.mark.django_db
class HolderTests:
    def test_a_build_publishes_and_another_process_opens_it_without_fitting(
        self, fresh_holder, settings
    ):
        offering = factories.make_offering(title="金融智能客服大模型")
        factories.make_need(title="信用卡中心客服热线分流")
        fresh_holder.build()
        assert snapshots.current_name() == fresh_holder.snapshot
        # "another process": a reset holder in web-worker mode, with fitting forbidden
        fresh_holder.reset()
        settings.MATCHING_WEB_WORKER = True
        with mock.patch.object(MatchingEngine, "fit", _no_fit):
            engine = fresh_holder.get()
            assert fresh_holder.loads == 1
            assert offering.pk in fresh_holder.offering_ref_by_pk
            # follows the feed from the snapshot's position: a new offering is seen
            newer = factories.make_offering(title="医院病历结构化")
            fresh_holder.get()
            assert newer.pk in fresh_holder.offering_ref_by_pk
            assert fresh_holder.get() is engine

    def test_a_web_worker_without_snapshot_has_no_engine_and_never_fits(
        self, fresh_holder, settings
    ):
        factories.make_offering()
        settings.MATCHING_WEB_WORKER = True
        with mock.patch.object(MatchingEngine, "fit", _no_fit):
            with pytest.raises(EngineUnavailable):
                fresh_holder.get()
            assert fresh_holder.peek() is None

    def test_a_lexicon_change_keeps_a_web_worker_serving_until_a_new_snapshot(
        self, fresh_holder, settings
    ):
        factories.make_offering(title="金融智能客服大模型")
        fresh_holder.build()
        first = fresh_holder.snapshot
        fresh_holder.reset()
        settings.MATCHING_WEB_WORKER = True
        with mock.patch.object(MatchingEngine, "fit", _no_fit):
            engine = fresh_holder.get()
            LexiconTerm.objects.create(
                kind=LexiconKind.SECTOR, code="finance", words="银企直联", is_active=True
            )
            assert fresh_holder.get() is engine  # still serving the old engine
            assert fresh_holder.stale
            added = factories.make_offering(title="算力租赁")
            fresh_holder.get()
            assert added.pk in fresh_holder.offering_ref_by_pk  # and patching it
        # the task worker rebuilds and publishes; the web worker switches to it
        settings.MATCHING_WEB_WORKER = False
        builder = type(fresh_holder)()
        builder.build()
        settings.MATCHING_WEB_WORKER = True
        with mock.patch.object(MatchingEngine, "fit", _no_fit):
            assert fresh_holder.get() is not engine
        assert fresh_holder.snapshot == builder.snapshot != first
        assert not fresh_holder.stale
        assert "银企直联" in str(fresh_holder.engine.lexicon.topics)


@pytest.mark.django_db
class WebRequestTests:
    def _post_need(self, client, user, **data):
        client.force_login(user)
        fields = {
            "title": "信用卡中心客服热线分流",
            "description": "账单日来电排队严重，希望用智能客服机器人回答常见问题。",
            "data_availability": "some",
            "visibility": "public",
            "budget_min": "100000",
            "budget_max": "300000",
            "publish": "1",
            **data,
        }
        return client.post(reverse("listings:need-create"), fields)

    def test_posting_a_need_in_a_web_worker_uses_the_snapshot_and_never_fits(
        self, client, fresh_holder, settings, django_capture_on_commit_callbacks
    ):
        offering = factories.make_offering(title="金融智能客服大模型")
        fresh_holder.build()
        fresh_holder.reset()
        settings.MATCHING_WEB_WORKER = True
        enterprise = factories.make_organization(kind="enterprise")
        user = enterprise.memberships.get().user
        with mock.patch.object(MatchingEngine, "fit", _no_fit):
            with django_capture_on_commit_callbacks(execute=True):
                response = self._post_need(client, user)
            assert response.status_code == 302
            need = enterprise.needs.get()
            assert Suggestion.objects.for_need(need).filter(offering=offering).exists()
            html = client.get(need.get_absolute_url()).content.decode()
            assert offering.title in html
            hints = client.get(
                reverse("matching:suggest-categories"), {"text": "银行信用卡客服热线"}
            )
            assert hints.status_code == 200

    def test_without_snapshot_a_web_worker_saves_the_need_and_shows_stored_suggestions(
        self, client, fresh_holder, settings, django_capture_on_commit_callbacks
    ):
        offering = factories.make_offering(title="金融智能客服大模型")
        settings.MATCHING_WEB_WORKER = True
        enterprise = factories.make_organization(kind="enterprise")
        user = enterprise.memberships.get().user
        with mock.patch.object(MatchingEngine, "fit", _no_fit):
            with django_capture_on_commit_callbacks(execute=True):
                response = self._post_need(client, user)
            assert response.status_code == 302
            need = enterprise.needs.get()
            assert fresh_holder.engine is None
            # a list stored earlier (by the task worker) is what the page shows
            Suggestion.objects.create(
                need=need,
                offering=offering,
                direction="need",
                score=70,
                rank=1,
                components={},
                reasons=[],
            )
            html = client.get(need.get_absolute_url()).content.decode()
            assert offering.title in html
        settings.MATCHING_WEB_WORKER = False
        assert services.suggestions_refresh_for_need(need=need) >= 1
