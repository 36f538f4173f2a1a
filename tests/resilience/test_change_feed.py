"""Every committed change reaches every server process through the change feed
(core/changes.py), even when PostgreSQL commits the transactions out of order.

On PostgreSQL, transaction A takes the lower ids (feed record, offering id, ``updated_at``) but
commits after transaction B; two server processes, each with its own browse index and matching
engine, read between the two commits and after. Both see A's new offering and B's new offering,
and neither holds the offering B deleted, within VISIBLE_WITHIN_SECONDS. The old watermark logic
(rows with ``updated_at`` or id above the highest seen) is shown to miss A's offering. On SQLite,
where one writer at a time commits, the same steps run with the commits in sequence.

    scripts/with-postgres.sh .venv/bin/pytest tests/resilience/test_change_feed.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection, connections, transaction
from django.db.models import Max, Q

from matchmaking.core.changes import DELETED, FeedCursor
from matchmaking.core.models import ChangeRecord
from matchmaking.listings.models import Offering
from tests import factories
from tests.resilience.conftest import in_thread

ROOT = Path(__file__).resolve().parents[2]
SERVERS = 2
VISIBLE_WITHIN_SECONDS = 5  # the feed is read before each use: the next request sees a commit


class Server:
    """A Django process of its own (tests/resilience/change_feed_worker.py)."""

    def __init__(self, env: dict, module: str = "tests.resilience.change_feed_worker") -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", module],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        assert line and "ready" in json.loads(line), "the server process did not start"

    def read(self) -> dict:
        self.process.stdin.write(json.dumps({"op": "read"}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the server process died"
        return {name: set(ids) for name, ids in json.loads(line).items()}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _server_env(tmp_path: Path, file_database) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "matchmaking.settings", "DJANGO_DEBUG": "1"}
    env["DJANGO_VAR_DIR"] = str(tmp_path / "var")
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    if file_database is not None:  # SQLite: the migrated file this test writes to
        env.pop("DATABASE_URL", None)
        env["DJANGO_SQLITE_PATH"] = str(file_database)
    else:
        url = urlsplit(os.environ["DATABASE_URL"])
        name = connections["default"].settings_dict["NAME"]  # the test database
        env["DATABASE_URL"] = urlunsplit(url._replace(path="/" + name))
    return env


@pytest.fixture
def servers(file_database, tmp_path):
    started = []
    try:
        env = _server_env(tmp_path, file_database)
        for _ in range(SERVERS):
            started.append(Server(env))
        yield started
    finally:
        for server in started:
            server.stop()


def _every_server_sees(servers, *, present: set[int], absent: set[int]) -> list[dict]:
    """Read every server until all hold ``present`` and none of ``absent`` (or time is up)."""
    deadline = time.monotonic() + VISIBLE_WITHIN_SECONDS
    while True:
        seen = [server.read() for server in servers]
        done = all(
            present <= holds and not (absent & holds) for view in seen for holds in view.values()
        )
        if done or time.monotonic() > deadline:
            return seen
        time.sleep(0.1)


def _watermark():
    """The old fingerprint: the newest ``updated_at`` and the highest id of the offerings."""
    found = Offering.objects.aggregate(updated=Max("updated_at"), newest=Max("id"))
    return found["updated"], found["newest"]


def _changed_since(watermark) -> set[int]:
    """What the old watermark logic re-read: rows stamped or numbered above the watermark."""
    updated, newest = watermark
    return set(
        Offering.objects.filter(Q(updated_at__gt=updated) | Q(id__gt=newest)).values_list(
            "pk", flat=True
        )
    )


@pytest.mark.django_db(transaction=True)
class ChangeFeedAcrossServersTests:
    def test_out_of_order_commits_and_a_deletion_reach_every_server(self, servers, settings):
        # The writers here bump the cache versions in a cache of their own: on PostgreSQL the
        # shared database cache's version row is locked by a bump until the writing transaction
        # commits, which would make B wait for A (core/shared_cache.py, changed separately).
        # The servers read no cache to answer: only the feed and the rows.
        settings.CACHES = {
            **settings.CACHES,
            "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        }
        out_of_order = connection.vendor == "postgresql"  # SQLite commits one writer at a time

        def world():
            vendors = [factories.make_organization(kind="vendor") for _ in range(3)]
            kept = factories.make_offering(organization=vendors[0], title="一直在的智能客服")
            doomed = factories.make_offering(organization=vendors[0], title="即将删除的质检")
            return vendors, kept.pk, doomed.pk

        vendors, kept, doomed = in_thread(world)
        for view in [server.read() for server in servers]:
            assert {kept, doomed} <= view["index"] and {kept, doomed} <= view["engine"]

        a_wrote, a_may_commit = threading.Event(), threading.Event()
        result: dict = {}

        def transaction_a():
            try:
                with transaction.atomic():
                    offering = factories.make_offering(
                        organization=vendors[1], title="先拿号后提交的知识库问答"
                    )
                    result["a"] = offering.pk
                    result["a_feed"] = ChangeRecord.objects.filter(
                        label="listings.offering", object_id=offering.pk
                    ).aggregate(high=Max("id"))["high"]
                    a_wrote.set()
                    if out_of_order:
                        assert a_may_commit.wait(timeout=120), "transaction A was never released"
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test
                result["a_error"] = exc
                a_wrote.set()
            finally:
                connections["default"].close()

        def transaction_b():
            with transaction.atomic():
                offering = factories.make_offering(
                    organization=vendors[2], title="后拿号先提交的数据分析"
                )
                Offering.objects.get(pk=doomed).delete()
            return offering.pk, ChangeRecord.objects.aggregate(high=Max("id"))["high"]

        thread_a = threading.Thread(target=transaction_a)
        thread_a.start()
        assert a_wrote.wait(timeout=120)
        if not out_of_order:
            thread_a.join(timeout=120)
        assert "a_error" not in result, result.get("a_error")
        b, b_feed = in_thread(transaction_b)  # B commits; on PostgreSQL A is still open
        a = result["a"]
        assert a < b and result["a_feed"] < b_feed  # A holds the lower ids

        # the servers read now: B's changes are there, A's (not committed yet) are not
        between = _every_server_sees(servers, present={kept, b}, absent={doomed})
        for view in between:
            for holds in view.values():
                assert {kept, b} <= holds and doomed not in holds
                if out_of_order:
                    assert a not in holds
        watermark = in_thread(_watermark)

        a_may_commit.set()
        thread_a.join(timeout=120)
        assert "a_error" not in result, result.get("a_error")

        after = _every_server_sees(servers, present={kept, a, b}, absent={doomed})
        for view in after:
            assert view["index"] == view["engine"] == {kept, a, b}

        if out_of_order:
            # the old watermark logic would not have re-read A's offering until the index aged
            assert a not in in_thread(_changed_since, watermark)


@pytest.mark.django_db
class FeedCursorTests:
    def test_a_record_committed_late_with_a_lower_id_is_read_once(self):
        cursor = FeedCursor()
        cursor.start()
        first = ChangeRecord.objects.create(label="listings.offering", object_id=1, kind="saved")
        late = ChangeRecord.objects.create(label="listings.offering", object_id=2, kind="saved")
        last = ChangeRecord.objects.create(label="listings.offering", object_id=3, kind="saved")
        late_id = late.pk
        late_values = {"label": late.label, "object_id": late.object_id, "kind": late.kind}
        late.delete()  # as if its transaction had not committed yet when the cursor reads
        assert [change.object_id for change in cursor.poll()] == [1, 3]
        # (On PostgreSQL ids spent by earlier rolled-back tests may be waited for too.)
        assert late_id in cursor.gaps and last.pk not in cursor.gaps
        ChangeRecord.objects.create(id=late_id, **late_values)  # it commits now
        assert [change.object_id for change in cursor.poll()] == [2]
        assert cursor.poll() == [] and late_id not in cursor.gaps
        assert first.pk < late_id < last.pk

    def test_a_gap_is_given_up_after_the_look_back_window(self, settings):
        settings.CHANGE_FEED_LOOKBACK_SECONDS = 0
        cursor = FeedCursor()
        cursor.start()
        ChangeRecord.objects.create(label="listings.need", object_id=1, kind="saved")
        rolled_back = ChangeRecord.objects.create(label="listings.need", object_id=2, kind="saved")
        ChangeRecord.objects.create(label="listings.need", object_id=3, kind="saved")
        rolled_back.delete()
        cursor.poll()
        time.sleep(0.01)
        assert cursor.poll() == [] and not cursor.gaps

    def test_a_feed_that_went_back_asks_the_reader_to_start_again(self):
        cursor = FeedCursor()
        record = ChangeRecord.objects.create(label="listings.need", object_id=1, kind="saved")
        cursor.start()
        record.delete()  # a transaction the reader had read from rolled back
        assert cursor.poll() is None

    def test_saves_deletes_and_link_changes_are_recorded(self):
        offering = factories.make_offering()
        cursor = FeedCursor()
        cursor.start()
        offering.sectors.clear()
        pk = offering.pk
        offering.delete()
        changes = [(c.label, c.object_id, c.kind) for c in cursor.poll()]
        assert ("listings.offering", pk, "saved") in changes
        assert changes[-1] == ("listings.offering", pk, DELETED)


@pytest.mark.django_db
def test_a_deletion_alone_leaves_the_browse_index_at_once():
    from matchmaking.listings.browse.offerings import offering_index

    kept, gone = factories.make_offering(), factories.make_offering()
    before = offering_index()
    assert {kept.pk, gone.pk} <= set(before.ids.tolist())
    Offering.objects.filter(pk=gone.pk).delete()
    after = offering_index()
    assert gone.pk not in after.ids.tolist() and kept.pk in after.ids.tolist()
    assert after.built_at == before.built_at  # patched, not rebuilt


@pytest.mark.django_db
def test_the_housekeeping_command_prunes_records_past_the_retention():
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    old = timezone.now() - timedelta(days=8)
    stale = [
        ChangeRecord.objects.create(label="listings.need", object_id=n, kind="saved")
        for n in (1, 2)
    ]
    ChangeRecord.objects.filter(pk__in=[r.pk for r in stale]).update(created_at=old)
    recent = ChangeRecord.objects.create(label="listings.need", object_id=3, kind="saved")
    out = StringIO()
    call_command("prune_change_feed", stdout=out)
    assert list(ChangeRecord.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "2 records" in out.getvalue()
    ChangeRecord.objects.filter(pk=recent.pk).update(created_at=old)
    call_command("prune_change_feed", "--days", "1", stdout=StringIO())
    assert ChangeRecord.objects.filter(pk=recent.pk).exists()  # the newest always stays
