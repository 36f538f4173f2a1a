"""The matching engine is fitted once and shared (matching/snapshots.py, runtime.EngineHolder),
and the stored suggestions are rebuilt in short transactions.

* A web worker process (tests/resilience/snapshot_worker.py, fitting forbidden) has no engine
  before a snapshot exists, opens the one this process publishes, follows the change feed from
  the snapshot's position (it sees an offering added afterwards) and switches to a newer
  snapshot when one is published.
* A need posted while ``suggestions_rebuild_all`` runs in another thread is saved and gets its
  suggestions: the rebuild holds no transaction between its batches.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connections

from matchmaking.listings import services as listings
from matchmaking.matching import services, signals
from matchmaking.matching.models import Suggestion
from matchmaking.matching.runtime import holder
from tests import factories
from tests.resilience.conftest import in_thread
from tests.resilience.test_change_feed import Server, _server_env

VISIBLE_WITHIN_SECONDS = 5


class WebWorker(Server):
    """A web worker process (tests/resilience/snapshot_worker.py) answering what it holds."""

    def __init__(self, env: dict) -> None:
        super().__init__(env, "tests.resilience.snapshot_worker")

    def read(self) -> dict:
        self.process.stdin.write(json.dumps({"op": "read"}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the web worker died (did it try to fit the engine?)"
        return json.loads(line)

    def read_until(self, done) -> dict:
        deadline = time.monotonic() + VISIBLE_WITHIN_SECONDS
        while True:
            seen = self.read()
            if done(seen) or time.monotonic() > deadline:
                return seen
            time.sleep(0.1)


@pytest.fixture
def web_worker(file_database, tmp_path, settings):
    env = _server_env(tmp_path, file_database)
    env["MATCHING_SNAPSHOT_DIR"] = str(settings.MATCHING_SNAPSHOT_DIR)
    holder.reset()
    worker = WebWorker(env)
    try:
        yield worker
    finally:
        worker.stop()
        holder.reset()


@pytest.mark.django_db(transaction=True)
def test_a_web_worker_opens_the_snapshot_and_follows_the_feed(web_worker, monkeypatch):
    # No refresh task runs here: only the explicit builds below publish snapshots.
    monkeypatch.setattr(signals, "enqueue_refresh", lambda *args: None)
    first = in_thread(lambda: factories.make_offering(title="金融智能客服大模型"))
    in_thread(lambda: factories.make_need(title="信用卡中心客服热线分流"))
    assert web_worker.read() == {"engine": None}  # no snapshot yet, and it may not fit

    in_thread(holder.build)  # the task worker's part: fit once, publish
    seen = web_worker.read()
    assert seen["engine"] == [first.pk]
    assert (seen["snapshot"], seen["loads"], seen["builds"]) == (holder.snapshot, 1, 0)

    added = in_thread(lambda: factories.make_offering(title="医院病历结构化大模型"))
    seen = web_worker.read_until(lambda s: added.pk in s["engine"])
    assert seen["engine"] == [first.pk, added.pk], json.dumps(seen)
    assert (seen["snapshot"], seen["loads"]) == (holder.snapshot, 1)  # patched, not reopened

    previous = holder.snapshot
    in_thread(holder.build)  # a rebuild (lexicon change, nightly) publishes a newer snapshot
    assert holder.snapshot > previous
    seen = web_worker.read_until(lambda s: s["snapshot"] == holder.snapshot)
    assert (seen["snapshot"], seen["loads"], seen["builds"]) == (holder.snapshot, 2, 0)
    assert seen["engine"] == [first.pk, added.pk]


@pytest.mark.django_db(transaction=True)
def test_a_need_posted_during_a_rebuild_is_saved_and_gets_suggestions(file_database, monkeypatch):
    holder.reset()

    def world():
        enterprise = factories.make_organization(kind="enterprise")
        offering = factories.make_offering(title="金融智能客服大模型", description="银行客服机器人")
        for i in range(6):
            factories.make_need(title=f"客服热线分流 {i}", description="银行信用卡客服")
        return enterprise, offering

    enterprise, offering = in_thread(world)
    monkeypatch.setattr(services, "REBUILD_BATCH", 2)
    in_rebuild, posted = threading.Event(), threading.Event()
    result: dict = {}

    def progress(what: str, done: int) -> None:
        if not in_rebuild.is_set():
            in_rebuild.set()  # between two batches: no transaction open
            posted.wait(timeout=120)

    def rebuild():
        try:
            result["counts"] = services.suggestions_rebuild_all(progress=progress)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            result["error"] = exc
        finally:
            connections["default"].close()

    thread = threading.Thread(target=rebuild)
    thread.start()
    try:
        while not in_rebuild.wait(timeout=0.5) and thread.is_alive():
            pass
        if "error" in result:
            raise result["error"]
        assert in_rebuild.is_set(), f"the rebuild ended before its first batch: {result}"
        need = in_thread(
            lambda: listings.need_create(
                organization=enterprise,
                publish=True,
                title="信用卡中心想上智能客服",
                description="账单日来电排队严重，希望用智能客服机器人回答常见问题。",
            )
        )
        assert thread.is_alive()  # posted while the rebuild runs
        assert in_thread(suggested, need, offering)
    finally:
        posted.set()
        thread.join(timeout=300)
    if "error" in result:
        raise result["error"]
    assert result["counts"]["needs"] >= 6
    assert in_thread(suggested, need, offering)


def suggested(need, offering) -> bool:
    return Suggestion.objects.for_need(need).filter(offering=offering).exists()
