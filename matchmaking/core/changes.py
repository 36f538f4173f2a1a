"""The change feed: an outbox of saved and deleted rows that per-process indexes follow.

Writers: every save and delete of a tracked model writes a :class:`ChangeRecord` in the same
transaction (``track_changes`` connects post_save, post_delete and m2m_changed, so services,
the admin, imports and factories are all covered); a write that sends no signal
(``QuerySet.update``, ``bulk_create``) calls :func:`record_changes` itself.

Readers: each process keeps a :class:`FeedCursor` per index. PostgreSQL hands out ids when a
row is inserted but they become visible when the transaction commits, so a record with a lower
id can appear after a higher one was read. The cursor therefore remembers the highest id it has
read and every id below it it has not seen yet (a gap), and re-reads the gaps on each poll until
they fill or are ``CHANGE_FEED_LOOKBACK_SECONDS`` old (a rolled-back transaction leaves a gap
that never fills). Applying a record twice is harmless (the index re-reads the row), and ids
already read are never returned again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save

from matchmaking.core.models import ChangeRecord
from matchmaking.core.page_cache import bump_pages_version

logger = logging.getLogger(__name__)

SAVED, DELETED = "saved", "deleted"
START_SPAN = 1000  # ids below the head looked at for gaps when a cursor starts
MAX_GAPS_LISTED = 500  # more gaps than this: re-read the whole range from the lowest gap
_M2M_ACTIONS = {"post_add", "post_remove", "post_clear"}


def label_of(model) -> str:
    return model._meta.label_lower


def record_changes(model, object_ids, kind: str = SAVED, *, using: str | None = None) -> None:
    """Record that the rows ``object_ids`` of ``model`` were saved (or deleted)."""
    label = label_of(model)
    records = [ChangeRecord(label=label, object_id=pk, kind=kind) for pk in object_ids]
    if records:
        ChangeRecord.objects.using(using or "default").bulk_create(records)
        bump_pages_version()  # the shared pages (core.page_cache) showed the old rows


def _saved(sender, instance, using=None, **kwargs) -> None:
    record_changes(sender, [instance.pk], SAVED, using=using)


def _deleted(sender, instance, using=None, **kwargs) -> None:
    record_changes(sender, [instance.pk], DELETED, using=using)


def _links_changed(model):
    def receiver(sender, instance, action, reverse=False, pk_set=None, using=None, **kwargs):
        if action not in _M2M_ACTIONS:
            return
        if reverse:  # a term's rows changed
            record_changes(model, sorted(pk_set or ()), SAVED, using=using)
        else:
            record_changes(model, [instance.pk], SAVED, using=using)

    return receiver


_receivers: dict[str, object] = {}  # keeps the m2m receivers alive (signals hold weak refs)


def track_changes(*models) -> None:
    """Record every save and delete of ``models`` (and changes of their many-to-many links)
    in the feed. Called from AppConfig.ready(); calling it twice changes nothing."""
    for model in models:
        label = label_of(model)
        post_save.connect(_saved, sender=model, dispatch_uid=f"change-feed-save-{label}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"change-feed-delete-{label}")
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            uid = f"change-feed-m2m-{label}-{field.name}"
            receiver = _receivers.setdefault(uid, _links_changed(model))
            m2m_changed.connect(receiver, sender=through, dispatch_uid=uid)


@dataclass(frozen=True)
class Change:
    id: int
    label: str
    object_id: int
    kind: str


class FeedCursor:
    """Where one reader is in the feed: the highest id read and the gaps below it."""

    def __init__(self) -> None:
        self.high: int | None = None
        self.gaps: dict[int, float] = {}  # id not seen yet → when it was first missed

    def position(self) -> dict:
        """Where the cursor is, as JSON (stored with a snapshot built from this position)."""
        return {"high": self.high, "gaps": sorted(self.gaps)}

    @classmethod
    def at(cls, position: dict) -> FeedCursor:
        """A cursor resuming at ``position``: the ids above ``high`` and the gaps are read next."""
        cursor = cls()
        cursor.high = position["high"]
        now = time.monotonic()
        cursor.gaps = {pk: now for pk in position["gaps"]}
        return cursor

    def start(self) -> None:
        """Place the cursor at the head of the feed. Call it BEFORE reading the snapshot the
        reader starts from: a change committed meanwhile is then read again (harmless), and
        ids below the head not committed yet are gaps, waited for like any other."""
        ids = sorted(ChangeRecord.objects.order_by("-id").values_list("id", flat=True)[:START_SPAN])
        self.gaps = {}
        if not ids:
            self.high = 0
            return
        self.high = ids[-1]
        now = time.monotonic()
        present = set(ids)
        for missing in range(max(ids[-1] - START_SPAN, 0) + 1, ids[-1]):
            if missing not in present:
                self.gaps[missing] = now

    def poll(self) -> list[Change] | None:
        """The records not read before, in id order; None when the feed went backwards (a
        transaction this process read from was rolled back): the reader starts afresh."""
        if self.high is None:
            self.start()
        assert self.high is not None
        self._expire()
        table = connection.ops.quote_name(ChangeRecord._meta.db_table)
        where, params = "id > %s", [self.high]
        if self.gaps and len(self.gaps) <= MAX_GAPS_LISTED:
            where += " OR id IN (" + ", ".join(["%s"] * len(self.gaps)) + ")"
            params += sorted(self.gaps)
        elif self.gaps:
            where, params = "id >= %s", [min(self.gaps)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, label, object_id, kind FROM {table} WHERE {where} "
                f"UNION ALL SELECT MAX(id), '', 0, '' FROM {table}",
                params,
            )
            rows = cursor.fetchall()
        head = rows.pop()[0] or 0
        if head < self.high:
            return None
        found = []
        now = time.monotonic()
        for pk, label, object_id, kind in sorted(rows):
            if pk > self.high:
                # As when starting: only ids within START_SPAN below are waited for (a jump
                # of thousands is ids spent by rolled-back transactions, not late commits).
                for missing in range(max(self.high + 1, pk - START_SPAN), pk):
                    self.gaps[missing] = now
                self.high = pk
            elif pk in self.gaps:
                del self.gaps[pk]
            else:
                continue  # read before (the range re-read when there are many gaps)
            found.append(Change(pk, label, object_id, kind))
        return found

    def _expire(self) -> None:
        limit = time.monotonic() - settings.CHANGE_FEED_LOOKBACK_SECONDS
        expired = [pk for pk, since in self.gaps.items() if since < limit]
        for pk in expired:
            del self.gaps[pk]
        if expired:
            logger.debug("change feed: %s ids never committed (rolled back)", len(expired))


def prune_changes(*, older_than_seconds: int) -> int:
    """Delete records older than ``older_than_seconds``, always keeping the newest one (the
    head readers compare with). How many were deleted."""
    from datetime import timedelta

    from django.utils import timezone

    newest = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first()
    if newest is None:
        return 0
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    deleted, _ = ChangeRecord.objects.filter(created_at__lt=cutoff).exclude(id=newest).delete()
    return deleted
