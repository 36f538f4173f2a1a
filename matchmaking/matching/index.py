"""The process-wide engine: built lazily from the database, kept fresh incrementally.

Every process (web worker, task worker, command) holds one fitted :class:`MatchingEngine`.
Freshness across processes needs no message bus: before ranking, :meth:`EngineHolder.sync`
compares a cheap fingerprint of the tables (row count and latest ``updated_at`` of offerings,
needs and organizations; the lexicon and case tables) with the one it was built from, and

* re-reads only the listings changed since then (``updated_at`` ≥ the last seen value) and
  adds them to or removes them from the index (the engine's incremental add/remove);
* re-reads an organization's offerings when the organization changed (verification, filing);
* rebuilds from scratch when rows disappeared without a trace (deletes, bulk rewrites), when
  the lexicon or the published cases changed, or when so many listings changed since the last
  fit that the vocabulary and the category model should be learnt again
  (``REFIT_SHARE`` of the fitted size; a small site refits on every change, which is cheap).

All of it runs under one lock, so threads of a worker share the engine safely.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max

from matchmaking.accounts.models import Organization
from matchmaking.cases.models import Case
from matchmaking.listings.models import Need, Offering
from matchmaking.matching import adapters
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


def _agg(queryset, field: str = "updated_at") -> tuple:
    row = queryset.aggregate(n=Count("pk"), t=Max(field))
    return (row["n"], row["t"])


@dataclass(frozen=True)
class Marks:
    offerings: tuple
    needs: tuple
    organizations: tuple
    rebuild: tuple  # lexicon and cases: any change → full rebuild


def current_marks() -> Marks:
    return Marks(
        offerings=_agg(Offering.objects.all()),
        needs=_agg(Need.objects.all()),
        organizations=_agg(Organization.objects.all()),
        rebuild=(
            _agg(SynonymGroup.objects.all()),
            _agg(LexiconTerm.objects.all()),
            _agg(Case.objects.published(), "updated_at"),
        ),
    )


class EngineHolder:
    """One fitted engine per process, with the maps from engine refs back to primary keys."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.engine: MatchingEngine | None = None
        self.marks: Marks | None = None
        self.offering_pk_by_ref: dict[str, int] = {}
        self.need_pk_by_ref: dict[str, int] = {}
        self.offering_ref_by_pk: dict[int, str] = {}
        self.need_ref_by_pk: dict[int, str] = {}
        self.fitted_size = 0
        self.changes = 0
        self.builds = 0

    # --- lifecycle ---------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.engine = None
            self.marks = None

    def get(self, *, sync: bool = True) -> MatchingEngine:
        """The engine, built if needed and (unless ``sync=False``) caught up with the DB."""
        with self.lock:
            if self.engine is None:
                self.build()
            elif sync:
                self.sync()
            assert self.engine is not None
            return self.engine

    def peek(self) -> MatchingEngine | None:
        """The engine if one is built (no database access)."""
        return self.engine

    def build(self, *, workers: int = 1) -> MatchingEngine:
        with self.lock:
            started = time.perf_counter()
            marks = current_marks()
            docs = adapters.all_documents()
            engine = MatchingEngine(engine_config(workers), lexicon_extra=lexicon_extra())
            engine.fit(docs.offerings, docs.needs, docs.cases)
            self.engine = engine
            self.marks = marks
            self.offering_pk_by_ref = dict(docs.offering_pk_by_ref)
            self.need_pk_by_ref = dict(docs.need_pk_by_ref)
            self.offering_ref_by_pk = {pk: ref for ref, pk in self.offering_pk_by_ref.items()}
            self.need_ref_by_pk = {pk: ref for ref, pk in self.need_pk_by_ref.items()}
            self.fitted_size = len(docs.offerings) + len(docs.needs)
            self.changes = 0
            self.builds += 1
            logger.info(
                "matching index built: %d offerings, %d needs, %d cases in %.1fs",
                len(docs.offerings),
                len(docs.needs),
                len(docs.cases),
                time.perf_counter() - started,
            )
            return engine

    def sync(self) -> None:
        """Catch up with changes made by any process since the last build or sync."""
        with self.lock:
            if self.engine is None or self.marks is None:
                self.build()
                return
            marks = current_marks()
            if marks == self.marks:
                return
            old = self.marks
            if marks.rebuild != old.rebuild:
                self.build()
                return
            if marks.offerings != old.offerings:
                since = old.offerings[1]
                queryset = Offering.objects.all()
                if since is not None:
                    queryset = queryset.filter(updated_at__gte=since)
                for pk in queryset.values_list("pk", flat=True):
                    self._upsert_offering(pk)
            if marks.needs != old.needs:
                since = old.needs[1]
                queryset = Need.objects.all()
                if since is not None:
                    queryset = queryset.filter(updated_at__gte=since)
                for pk in queryset.values_list("pk", flat=True):
                    self._upsert_need(pk)
            if marks.organizations != old.organizations and old.organizations[1] is not None:
                changed = Organization.objects.filter(updated_at__gte=old.organizations[1])
                for pk in (
                    adapters.matchable_offerings()
                    .filter(organization__in=changed)
                    .values_list("pk", flat=True)
                ):
                    self._upsert_offering(pk)
            self.marks = marks
            if self._needs_rebuild():
                self.build()

    def _needs_rebuild(self) -> bool:
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
            if self._needs_rebuild():
                self.build()
                found = adapters.offering_document(pk)
                doc = found[0] if found else None
            return doc

    def upsert_need(self, pk: int) -> NeedDoc | None:
        with self.lock:
            self.get()
            doc = self._upsert_need(pk)
            if self._needs_rebuild():
                self.build()
                found = adapters.need_document(pk)
                doc = found[0] if found else None
            return doc


holder = EngineHolder()
