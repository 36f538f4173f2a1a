"""The process-wide engine: built lazily from the database, kept fresh incrementally.

Every process (web worker, task worker, command) holds one fitted :class:`MatchingEngine`.
Freshness across processes needs no message bus: before ranking, :meth:`EngineHolder.sync`
reads the change feed (core/changes.py) from where it left off — records that committed late
with a lower id included — and

* re-reads only the offerings and needs saved or deleted since then and adds them to or removes
  them from the index (the engine's incremental add/remove);
* re-reads an organization's offerings when the organization changed (verification, filing);
* rebuilds from scratch when the lexicon or the published cases changed, when the feed went
  backwards (a rolled-back transaction it had read), when the row counts disagree with the
  index, or when so many listings changed since the last fit that the vocabulary and the
  category model should be learnt again (``REFIT_SHARE`` of the fitted size; a small site
  refits on every change, which is cheap).

All of it runs under one lock, so threads of a worker share the engine safely.

Built once, shared by all processes (``snapshots.py``): a process that fits the engine (the
task worker, ``rebuild_suggestions``, ``seed_demo``) publishes it as a snapshot under
``MATCHING_SNAPSHOT_DIR``; any process without an engine opens the current snapshot
(memory-mapped, well under a second) and follows the change feed from the position the snapshot
reflects. A web worker (``MATCHING_WEB_WORKER=1``, set by deploy/gunicorn.conf.py) never fits:
without a snapshot it raises :class:`EngineUnavailable` (the pages show the stored suggestions),
and where another process would rebuild (lexicon or case change, too many changes) it keeps
serving its engine, patched incrementally, until the task worker publishes a newer snapshot,
which it then switches to.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings

from matchmaking.accounts.models import Organization
from matchmaking.cases.models import Case
from matchmaking.core.changes import FeedCursor, label_of
from matchmaking.listings.models import Need, Offering
from matchmaking.matching import adapters, snapshots
from matchmaking.matching.engine import EngineConfig, MatchingEngine, NeedDoc, OfferingDoc
from matchmaking.matching.models import LexiconKind, LexiconTerm, SynonymGroup

logger = logging.getLogger(__name__)

#: Refit (vocabulary, category model) once this share of the fitted listings has changed.
REFIT_SHARE = 0.2


def engine_config(workers: int = 1) -> EngineConfig:
    return EngineConfig(
        budget_hard_factor=settings.MATCHING_BUDGET_HARD_FACTOR,
        budget_soft_factor=settings.MATCHING_BUDGET_SOFT_FACTOR,
        workers=workers,
    )


def lexicon_extra() -> dict[str, Any]:
    """The admin-edited lexicon in the engine's ``lexicon_extra`` shape."""
    extra: dict[str, Any] = {"synonyms": [], "sectors": {}, "app_types": {}}
    for group in SynonymGroup.objects.filter(is_active=True).order_by("pk"):
        terms = group.term_list
        if len(terms) >= 2:
            extra["synonyms"].append(terms)
    for term in LexiconTerm.objects.filter(is_active=True).order_by("pk"):
        family = "sectors" if term.kind == LexiconKind.SECTOR else "app_types"
        words = term.word_list
        if words:
            extra[family].setdefault(term.code, {})[f"db_{term.pk}"] = words
    return extra


#: Feed labels whose change rebuilds the engine (the lexicon and the published cases).
REBUILD_LABELS = frozenset(label_of(model) for model in (SynonymGroup, LexiconTerm, Case))


class EngineUnavailable(RuntimeError):
    """A web worker has no engine: no snapshot is published yet and it may not fit one."""


def may_fit() -> bool:
    """Whether this process may fit the engine (every process but a web worker)."""
    return not settings.MATCHING_WEB_WORKER


class EngineHolder:
    """One fitted engine per process, with the maps from engine refs back to primary keys."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.engine: MatchingEngine | None = None
        self.cursor = FeedCursor()
        self.offering_pk_by_ref: dict[str, int] = {}
        self.need_pk_by_ref: dict[str, int] = {}
        self.offering_ref_by_pk: dict[int, str] = {}
        self.need_ref_by_pk: dict[int, str] = {}
        self.fitted_size = 0
        self.changes = 0
        self.builds = 0
        self.loads = 0
        self.snapshot: str | None = None  # name of the snapshot the engine came from or went to
        self.stale = False  # a rebuild is due and this process waits for a newer snapshot

    # --- lifecycle ---------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.engine = None
            self.cursor = FeedCursor()
            self.snapshot = None
            self.stale = False

    def get(self, *, sync: bool = True) -> MatchingEngine:
        """The engine, opened from the current snapshot or built if needed (never in a web
        worker: :class:`EngineUnavailable`), and (unless ``sync=False``) caught up with the DB."""
        with self.lock:
            if self.engine is None:
                if self.load():
                    self.sync()
                else:
                    self.build()
            elif sync:
                self.sync()
            assert self.engine is not None
            return self.engine

    def peek(self) -> MatchingEngine | None:
        """The engine if one is built or a snapshot can be opened (no fitting, no feed)."""
        if (self.engine is None or self._newer_snapshot()) and self.lock.acquire(timeout=0.5):
            try:
                if self.engine is None or self._newer_snapshot():
                    self.load()
            finally:
                self.lock.release()
        return self.engine

    def _newer_snapshot(self) -> str | None:
        name = snapshots.current_name()
        return name if name and (self.snapshot is None or name > self.snapshot) else None

    def load(self) -> bool:
        """Open the current snapshot (if any, and newer than the engine held); True if the
        engine now comes from it. The cursor resumes where the snapshot's build started."""
        with self.lock:
            if self.engine is not None and not self._newer_snapshot():
                return False
            loaded = snapshots.load_current()
            if loaded is None:
                return False
            stale = loaded.signature != snapshots.signature(lexicon_extra())
            if stale and may_fit():
                return False  # fitted with another lexicon: build afresh instead
            self.engine = loaded.engine
            self._set_maps(loaded.offering_pk_by_ref, loaded.need_pk_by_ref)
            self.cursor = loaded.cursor
            self.fitted_size = loaded.fitted_size
            self.changes = 0
            self.snapshot = loaded.name
            self.stale = stale
            self.loads += 1
            logger.info("matching index opened from snapshot %s", loaded.name)
            return True

    def _set_maps(self, offering_pk_by_ref: dict[str, int], need_pk_by_ref: dict[str, int]):
        self.offering_pk_by_ref = dict(offering_pk_by_ref)
        self.need_pk_by_ref = dict(need_pk_by_ref)
        self.offering_ref_by_pk = {pk: ref for ref, pk in self.offering_pk_by_ref.items()}
        self.need_ref_by_pk = {pk: ref for ref, pk in self.need_pk_by_ref.items()}

    def _rebuild(self) -> None:
        """Fit afresh where allowed; a web worker switches to a newer snapshot if there is
        one, else keeps its engine (patched incrementally) until the task worker publishes."""
        if may_fit():
            self.build()
        elif not self.load():
            self.stale = True

    def build(self, *, workers: int = 1) -> MatchingEngine:
        if not may_fit():
            raise EngineUnavailable("a web worker never fits the matching engine")
        with self.lock:
            started = time.perf_counter()
            self.cursor.start()  # before the snapshot: what commits meanwhile is read again
            position = snapshots.cursor_position(self.cursor)
            extra = lexicon_extra()
            docs = adapters.all_documents()
            engine = MatchingEngine(engine_config(workers), lexicon_extra=extra)
            engine.fit(docs.offerings, docs.needs, docs.cases)
            self.engine = engine
            self._set_maps(docs.offering_pk_by_ref, docs.need_pk_by_ref)
            self.fitted_size = len(docs.offerings) + len(docs.needs)
            self.changes = 0
            self.builds += 1
            self.stale = False
            logger.info(
                "matching index built: %d offerings, %d needs, %d cases in %.1fs",
                len(docs.offerings),
                len(docs.needs),
                len(docs.cases),
                time.perf_counter() - started,
            )
            self.snapshot = snapshots.publish_engine(
                engine,
                lexicon_extra=extra,
                position=position,
                offering_pk_by_ref=self.offering_pk_by_ref,
                need_pk_by_ref=self.need_pk_by_ref,
            )
            return engine

    def sync(self) -> None:
        """Catch up with the changes any process recorded in the feed since the last build
        or sync (late commits with lower ids included, see core/changes.py)."""
        with self.lock:
            stale_or_none = self.engine is None or self._newer_snapshot()
            if stale_or_none and not self.load() and self.engine is None:
                self.build()
                return
            changes = self.cursor.poll()
            if changes is None:
                self._rebuild()
                return
            if any(change.label in REBUILD_LABELS for change in changes):
                self._rebuild()
                if self.engine is None or not self.stale:
                    return
                # A web worker keeps serving: it still applies the listings' changes.
            if not changes:
                return
            by_label: dict[str, set[int]] = {}
            for change in changes:
                by_label.setdefault(change.label, set()).add(change.object_id)
            offerings = by_label.get(label_of(Offering), set())
            organizations = by_label.get(label_of(Organization))
            if organizations:
                offerings |= set(
                    Offering.objects.filter(organization_id__in=organizations).values_list(
                        "pk", flat=True
                    )
                )
            for pk in sorted(offerings):
                self._upsert_offering(pk)
            for pk in sorted(by_label.get(label_of(Need), ())):
                self._upsert_need(pk)
            if self._needs_rebuild():
                self._rebuild()

    def _needs_rebuild(self) -> bool:
        if self.stale and not may_fit():
            return False  # waiting for the task worker's snapshot; nothing to do meanwhile
        if self.changes > REFIT_SHARE * self.fitted_size:
            return True
        # Rows gone without an update we could see (deletes, another test's rollback …).
        assert self.engine is not None
        return (
            len(self.engine.offerings) != adapters.matchable_offerings().count()
            or len(self.engine.needs) != adapters.matchable_needs().count()
        )

    # --- single listings ---------------------------------------------------------------

    def _upsert_offering(self, pk: int) -> OfferingDoc | None:
        assert self.engine is not None
        found = adapters.offering_document(pk)
        old_ref = self.offering_ref_by_pk.pop(pk, None)
        if old_ref is not None:
            self.engine.remove_offering(old_ref)
            self.offering_pk_by_ref.pop(old_ref, None)
        self.changes += 1
        if found is None:
            return None
        doc, ref = found
        self.engine.add_offering(doc)
        self.offering_pk_by_ref[ref] = pk
        self.offering_ref_by_pk[pk] = ref
        return doc

    def _upsert_need(self, pk: int) -> NeedDoc | None:
        assert self.engine is not None
        found = adapters.need_document(pk)
        old_ref = self.need_ref_by_pk.pop(pk, None)
        if old_ref is not None:
            self.engine.remove_need(old_ref)
            self.need_pk_by_ref.pop(old_ref, None)
        self.changes += 1
        if found is None:
            return None
        doc, ref = found
        self.engine.add_need(doc)
        self.need_pk_by_ref[ref] = pk
        self.need_ref_by_pk[pk] = ref
        return doc

    def upsert_offering(self, pk: int) -> OfferingDoc | None:
        """Re-read one offering into the index; its document, or None if it is not matchable."""
        with self.lock:
            self.get()
            doc = self._upsert_offering(pk)
            if self._needs_rebuild() and may_fit():
                self.build()
                found = adapters.offering_document(pk)
                doc = found[0] if found else None
            return doc

    def upsert_need(self, pk: int) -> NeedDoc | None:
        with self.lock:
            self.get()
            doc = self._upsert_need(pk)
            if self._needs_rebuild() and may_fit():
                self.build()
                found = adapters.need_document(pk)
                doc = found[0] if found else None
            return doc


holder = EngineHolder()
