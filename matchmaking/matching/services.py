"""Storing and refreshing suggestions (writes); the engine computes, this module persists.

* :func:`suggestions_refresh_for_need` — the need's own list (offerings for it) and its place
  in the offerings' lists (商机), after the need was created, changed or closed;
* :func:`suggestions_refresh_for_offering` — the mirror for an offering;
* :func:`suggestions_rebuild_all` — everything from scratch (command, seeder, lexicon change);
* :func:`suggestion_dismiss` — "not relevant": recorded, and the pair never shows again on
  that side.

They run in background tasks (``tasks.py``), never inside a request's transaction. A pair has
one score whatever the direction, so when a need changes, its score against the offerings it
ranks best is also offered to those offerings' lists (kept when it beats their K-th entry), and
vice versa. The rebuild computes every list exactly; incremental refreshes keep them close.

Private needs: a need's own list ranks every offering (only its enterprise reads it), but a
private need enters an offering's list only when that vendor may see the need (the engine
filters on the need's audience, and every page filters again through ``Need.visible_to``).
New suggestions scoring at least ``MATCHING_NOTIFY_SCORE`` are announced as the domain event
``suggestion_added`` (core/domain_events.py; the notifications app subscribes) after commit.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import multiprocessing.connection
import time
import traceback
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking.core.cores import usable_cores
from matchmaking.core.domain_events import send_event
from matchmaking.core.extensions import ExtensionPoint
from matchmaking.core.permissions import user_organization_id
from matchmaking.core.transactions import atomic_with_retry, retried_atomic
from matchmaking.listings.choices import NeedVisibility
from matchmaking.listings.models import Need, Offering
from matchmaking.matching import adapters, calibration, embeddings, learning
from matchmaking.matching.engine import Suggestion as EngineSuggestion
from matchmaking.matching.engine.pools import blas_share
from matchmaking.matching.models import Direction, Suggestion, SuggestionFeedback
from matchmaking.matching.reason_texts import reason_dict
from matchmaking.matching.runtime import holder

logger = logging.getLogger(__name__)

#: How many candidates the semantic layer re-ranks, and how many of a listing's best
#: counterparts are offered the listing for their own lists.
SEMANTIC_POOL = 50
CROSS_POOL = 50


@dataclass
class Ranked:
    need_id: int
    offering_id: int
    score: float
    components: dict
    reasons: list  # stored dicts


def top_k() -> int:
    return max(1, int(settings.MATCHING_TOP_K))


# --- ranking (no writes to suggestions) -------------------------------------------------------


def _ranked(
    suggestion: EngineSuggestion, *, need_id: int, offering_id: int, score_of=None
) -> Ranked:
    """The stored score is the calibrated one (of the learned ranker's score when one is
    active); the engine's own total is kept as the ``raw`` component. ``score_of``: the
    same mapping from :func:`_pinned_scorer` (the rebuild's)."""
    components = {k: float(v) for k, v in suggestion.components.items()}
    raw = float(suggestion.score)
    if score_of is None:
        score = calibration.calibrate(learning.base_score(raw, components))
    else:
        score = score_of(raw, components)
    components["raw"] = raw
    return Ranked(
        need_id=need_id,
        offering_id=offering_id,
        score=score,
        components=components,
        reasons=[reason_dict(r) for r in suggestion.reasons],
    )


def _best_first(items: list[Ranked]) -> list[Ranked]:
    """Order by the stored score; equal scores keep the engine's order (the sort is stable)."""
    return sorted(items, key=lambda r: -r.score)


def _with_semantics(items: list[Ranked], top: int) -> list[Ranked]:
    """Re-rank the best candidates with the embedding similarity (when configured)."""
    if not items or not embeddings.enabled():
        return items[:top]
    pool = items[:SEMANTIC_POOL]
    sims = embeddings.similarities(
        need_ids=sorted({r.need_id for r in pool}),
        offering_ids=sorted({r.offering_id for r in pool}),
    )
    if not sims:
        return items[:top]
    blended = []
    for item in pool:
        sim = sims.get((item.need_id, item.offering_id))
        if sim is None:
            blended.append(item)
            continue
        reasons = list(item.reasons)
        if sim > 0:
            reasons.append(
                {
                    "code": "semantic_similarity",
                    "met": True,
                    "params": {"percent": round(100 * sim)},
                }
            )
        blended.append(
            dataclasses.replace(
                item,
                score=embeddings.blend_score(item.score, sim),
                components={**item.components, "semantic": round(sim, 4)},
                reasons=reasons,
            )
        )
    blended.sort(key=lambda r: -r.score)
    return blended[:top]


def dismissed_offerings(need_id: int) -> set[int]:
    return set(
        SuggestionFeedback.objects.filter(
            need_id=need_id, direction=Direction.FOR_NEED
        ).values_list("offering_id", flat=True)
    )


def dismissed_needs(offering_id: int) -> set[int]:
    return set(
        SuggestionFeedback.objects.filter(
            offering_id=offering_id, direction=Direction.FOR_OFFERING
        ).values_list("need_id", flat=True)
    )


def rank_offerings_for_need(need_id: int, *, top: int | None = None) -> list[Ranked]:
    """The offerings to suggest for a need, best first (empty if the need is not open)."""
    top = top or top_k()
    doc = holder.upsert_need(need_id)
    if doc is None:
        return []
    engine = holder.get(sync=False)
    dismissed = dismissed_offerings(need_id)
    pool = top + len(dismissed) + (SEMANTIC_POOL if embeddings.enabled() else 0)
    found = engine.rank_offerings(adapters.for_own_list(doc), top_k=pool)
    items = []
    for suggestion in found:
        offering_id = holder.offering_pk_by_ref.get(suggestion.target_ref)
        if offering_id is None or offering_id in dismissed:
            continue
        items.append(_ranked(suggestion, need_id=need_id, offering_id=offering_id))
    return _with_semantics(_best_first(items), top)


def rank_needs_for_offering(offering_id: int, *, top: int | None = None) -> list[Ranked]:
    """The open needs to suggest to an offering's vendor (only needs it may see), best first."""
    top = top or top_k()
    doc = holder.upsert_offering(offering_id)
    if doc is None:
        return []
    return _needs_for_offering_doc(offering_id, doc, dismissed_needs(offering_id), top)


def _needs_for_offering_doc(offering_id: int, doc, dismissed: set[int], top: int) -> list[Ranked]:
    engine = holder.get(sync=False)
    pool = top + len(dismissed) + (SEMANTIC_POOL if embeddings.enabled() else 0)
    items = []
    for suggestion in engine.rank_needs(doc, top_k=pool):
        need_id = holder.need_pk_by_ref.get(suggestion.target_ref)
        if need_id is None or need_id in dismissed:
            continue
        items.append(_ranked(suggestion, need_id=need_id, offering_id=offering_id))
    return _with_semantics(_best_first(items), top)


# --- storing ----------------------------------------------------------------------------------


def revise_need_lists(needs) -> None:
    """Move the ``suggestions_revision`` of ``needs`` (ids, or a queryset of needs): called in
    the same transaction as every write of their suggested-offerings lists (direction
    "need"), so the need's page never shows a cached list older than the stored one
    (``selectors.need_panel_rows``). An ``update()``: no signal, no change record."""
    queryset = needs if hasattr(needs, "model") else Need.objects.filter(pk__in=list(needs))
    queryset.update(suggestions_revision=F("suggestions_revision") + 1)


def _needs_listing(offering_id: int):
    """The needs whose suggested-offerings list holds ``offering_id``."""
    return Need.objects.filter(
        pk__in=Suggestion.objects.filter(
            offering_id=offering_id, direction=Direction.FOR_NEED
        ).values("need_id")
    )


def _announce(direction: str, items: Iterable[Ranked]) -> None:
    """``suggestion_added`` for each pair that just entered ``direction``'s list (on commit)."""
    for item in items:
        send_event(
            "suggestion_added",
            direction=direction,
            need_id=item.need_id,
            offering_id=item.offering_id,
            score=item.score,
            reasons=item.reasons,
        )


def _store_list(direction: str, owner: dict, items: list[Ranked], *, notify: bool) -> int:
    """Replace one list (``owner`` = {"need_id": …} or {"offering_id": …}); returns its length."""
    if direction == Direction.FOR_NEED:
        revise_need_lists([owner["need_id"]])
    existing = set(
        Suggestion.objects.filter(direction=direction, **owner).values_list(
            "need_id", "offering_id"
        )
    )
    Suggestion.objects.filter(direction=direction, **owner).delete()
    Suggestion.objects.bulk_create(
        [
            Suggestion(
                need_id=item.need_id,
                offering_id=item.offering_id,
                direction=direction,
                score=item.score,
                rank=rank,
                components=item.components,
                reasons=item.reasons,
            )
            for rank, item in enumerate(items, start=1)
        ]
    )
    if notify:
        _announce(
            direction,
            [
                item
                for item in items
                if (item.need_id, item.offering_id) not in existing
                and item.score >= settings.MATCHING_NOTIFY_SCORE
            ],
        )
    return len(items)


def _offer_to_list(direction: str, item: Ranked, *, notify: bool) -> bool:
    """Put ``item`` into the other side's list when it beats that list's K-th entry."""
    k = top_k()
    if direction == Direction.FOR_OFFERING:
        owner = {"offering_id": item.offering_id}
        if SuggestionFeedback.objects.filter(
            need_id=item.need_id, offering_id=item.offering_id, direction=direction
        ).exists():
            return False
    else:
        owner = {"need_id": item.need_id}
        if SuggestionFeedback.objects.filter(
            need_id=item.need_id, offering_id=item.offering_id, direction=direction
        ).exists():
            return False
    rows = list(
        Suggestion.objects.filter(direction=direction, **owner)
        .exclude(need_id=item.need_id, offering_id=item.offering_id)
        .order_by("-score", "rank")
        .values_list("pk", "score")
    )
    if len(rows) >= k and item.score <= rows[k - 1][1]:
        return False
    if direction == Direction.FOR_NEED:
        revise_need_lists([item.need_id])
    Suggestion.objects.update_or_create(
        need_id=item.need_id,
        offering_id=item.offering_id,
        direction=direction,
        defaults={
            "score": item.score,
            "rank": 1 + sum(1 for _pk, score in rows if score >= item.score),
            "components": item.components,
            "reasons": item.reasons,
        },
    )
    surplus = [pk for pk, _score in rows[k - 1 :]] if len(rows) >= k else []
    if surplus:
        Suggestion.objects.filter(pk__in=surplus).delete()
    if notify and item.score >= settings.MATCHING_NOTIFY_SCORE:
        _announce(direction, [item])
    return True


def suggestions_refresh_for_need(*, need: Need | int, notify: bool = True) -> int:
    """Recompute a need's list and its place in offerings' lists. Returns its list's length."""
    need_id = need if isinstance(need, int) else need.pk
    items = rank_offerings_for_need(need_id)

    def store() -> int:
        if not items and holder.need_ref_by_pk.get(need_id) is None:
            # Closed, expired, hidden, draft or deleted: it leaves every list.
            revise_need_lists([need_id])
            Suggestion.objects.filter(need_id=need_id).delete()
            return 0
        count = _store_list(Direction.FOR_NEED, {"need_id": need_id}, items, notify=notify)
        # Its place in the offerings' lists: restricted to vendors that may see the need.
        Suggestion.objects.filter(need_id=need_id, direction=Direction.FOR_OFFERING).delete()
        engine = holder.get(sync=False)
        ref = holder.need_ref_by_pk[need_id]
        doc = _indexed_need(engine, ref)
        if doc is not None:
            for suggestion in engine.rank_offerings(doc, top_k=CROSS_POOL):
                offering_id = holder.offering_pk_by_ref.get(suggestion.target_ref)
                if offering_id is not None:
                    _offer_to_list(
                        Direction.FOR_OFFERING,
                        _ranked(suggestion, need_id=need_id, offering_id=offering_id),
                        notify=notify,
                    )
        return count

    return atomic_with_retry(store)


def _indexed_need(engine, ref: str):
    side = engine.needs
    loc = side.where.get(ref) if side is not None else None
    if loc is None:
        return None
    return side.segments[loc[0]].docs[loc[1]]


def suggestions_refresh_for_offering(*, offering: Offering | int, notify: bool = True) -> int:
    """Recompute an offering's list of needs and its place in needs' lists."""
    offering_id = offering if isinstance(offering, int) else offering.pk
    items = rank_needs_for_offering(offering_id)

    def store() -> int:
        # It leaves (or is re-placed in) needs' lists below.
        revise_need_lists(_needs_listing(offering_id))
        if not items and holder.offering_ref_by_pk.get(offering_id) is None:
            Suggestion.objects.filter(offering_id=offering_id).delete()
            return 0
        count = _store_list(
            Direction.FOR_OFFERING, {"offering_id": offering_id}, items, notify=notify
        )
        # Its place in needs' lists; private needs keep theirs (this vendor may not see them,
        # so they are not ranked here: their own refresh or the rebuild updates them).
        Suggestion.objects.filter(offering_id=offering_id, direction=Direction.FOR_NEED).exclude(
            need__visibility=NeedVisibility.PRIVATE
        ).delete()
        engine = holder.get(sync=False)
        found = adapters.offering_document(offering_id)
        if found is not None:
            for suggestion in engine.rank_needs(found[0], top_k=CROSS_POOL):
                need_id = holder.need_pk_by_ref.get(suggestion.target_ref)
                if need_id is not None:
                    _offer_to_list(
                        Direction.FOR_NEED,
                        _ranked(suggestion, need_id=need_id, offering_id=offering_id),
                        notify=notify,
                    )
        return count

    return atomic_with_retry(store)


@retried_atomic
def suggestions_remove_for_need(*, need_id: int) -> None:
    revise_need_lists([need_id])
    Suggestion.objects.filter(need_id=need_id).delete()


@retried_atomic
def suggestions_remove_for_offering(*, offering_id: int) -> None:
    revise_need_lists(_needs_listing(offering_id))
    Suggestion.objects.filter(offering_id=offering_id).delete()


# --- rebuilding everything ----------------------------------------------------------------------


def _lists_with_dismissals(direction: str) -> set[int]:
    """The needs (direction "need") or offerings ("offering") with a dismissed pair."""
    owner = "need_id" if direction == Direction.FOR_NEED else "offering_id"
    return set(SuggestionFeedback.objects.filter(direction=direction).values_list(owner, flat=True))


def _batch_pool(top: int) -> int:
    """The pool of the one-at-a-time path for a list without dismissals (explaining more pairs
    than are kept costs as much as ranking): the batched lists are then the same."""
    return top + (SEMANTIC_POOL if embeddings.enabled() else 0)


def _pinned_scorer():
    """``calibrate(base_score(raw, components))`` with the stored calibration and learned
    ranker looked up once: per pair, their two files' ``stat`` cost the rebuild ~30 s."""
    calibrate, ranker = calibration.current(), learning.active_ranker()

    def score_of(raw: float, components: dict) -> float:
        return calibrate(ranker.score(components) if ranker is not None else float(raw))

    return score_of


def _batched_list(found, top: int, score_of=None, **owner: int) -> list[Ranked]:
    """One list of the batch path: ``owner`` is need_id=… or offering_id=…."""
    pk_by_ref = holder.offering_pk_by_ref if "need_id" in owner else holder.need_pk_by_ref
    target = "offering_id" if "need_id" in owner else "need_id"
    items = []
    for suggestion in found:
        pk = pk_by_ref.get(suggestion.target_ref)
        if pk is not None:
            items.append(_ranked(suggestion, **owner, **{target: pk}, score_of=score_of))
    return _with_semantics(_best_first(items), top)


def iter_ranked_needs(*, top: int | None = None) -> Iterable[tuple[int, list[Ranked]]]:
    """(need id, its ranked offerings) for every open need, using the batched engine path;
    the same lists as :func:`rank_offerings_for_need` gives one at a time."""
    top = top or top_k()
    dismissed = _lists_with_dismissals(Direction.FOR_NEED)
    for need_id, items in _batched_needs(holder.get(), top, dismissed, (0, 1)):
        yield need_id, (rank_offerings_for_need(need_id, top=top) if items is None else items)


def _batched_needs(engine, top: int, dismissed: set[int], share: tuple[int, int]):
    """(need id, list) of the batch path for share ``share`` of the needs; the list is None
    where the one-at-a-time path must rank it (private needs rank every offering for their
    own list; dismissals need more): that path reads the database, the batch path does not."""
    score_of = _pinned_scorer()
    for ref, found in engine.iter_rank_all_needs(top_k=_batch_pool(top), share=share):
        need_id = holder.need_pk_by_ref.get(ref)
        if need_id is None:
            continue
        doc = _indexed_need(engine, ref)
        if (doc is not None and doc.visible_to_orgs is not None) or need_id in dismissed:
            yield need_id, None
        else:
            yield need_id, _batched_list(found, top, score_of, need_id=need_id)


def iter_ranked_offerings(*, top: int | None = None) -> Iterable[tuple[int, list[Ranked]]]:
    """(offering id, its ranked needs) for every indexed offering, using the batched engine
    path (chunks of offerings against all needs at once); the same lists as
    :func:`rank_needs_for_offering` gives one at a time."""
    top = top or top_k()
    dismissed = _lists_with_dismissals(Direction.FOR_OFFERING)
    for offering_id, items in _batched_offerings(holder.get(), top, dismissed, (0, 1)):
        yield (
            offering_id,
            (rank_needs_for_offering(offering_id, top=top) if items is None else items),
        )


def _batched_offerings(engine, top: int, dismissed: set[int], share: tuple[int, int]):
    """(offering id, list) of the batch path for share ``share`` of the offerings; None
    where the one-at-a-time path must rank it (dismissals: a longer pool)."""
    score_of = _pinned_scorer()
    for ref, found in engine.iter_rank_all_offerings(top_k=_batch_pool(top), share=share):
        offering_id = holder.offering_pk_by_ref.get(ref)
        if offering_id is None:
            continue
        if offering_id in dismissed:
            yield offering_id, None
        else:
            yield offering_id, _batched_list(found, top, score_of, offering_id=offering_id)


#: Told once per batch of stored lists the rebuild replaced (it deletes them without a
#: per-row signal: 100k post_delete receivers cost minutes and held the write lock).
suggestions_replaced = ExtensionPoint(
    "matching.suggestions_replaced",
    "f() -> None, called after the rebuild replaced a batch of stored suggestions",
)


def _replace_rows(queryset, rows: list[tuple]) -> None:
    """Delete ``queryset`` and store ``rows`` (:func:`_rows_of`; inside the caller's
    transaction), sending one notice to :data:`suggestions_replaced` instead of a signal per
    deleted row."""
    queryset._raw_delete(queryset.db)  # no row references a Suggestion: nothing cascades
    _insert_rows(rows)
    for provider in suggestions_replaced.providers():
        transaction.on_commit(provider)


#: The columns :func:`_rows_of` gives, then the two timestamps :func:`_insert_rows` adds.
_ROW_FIELDS = ("need", "offering", "direction", "score", "rank", "components", "reasons")
_STAMP_FIELDS = ("created_at", "refreshed_at")


def _rows_of(direction: str, items: list[Ranked]) -> list[tuple]:
    """One list as the rows the database stores, its JSON encoded once, here (a ranking
    process does it, not the one that writes); the same values ``bulk_create`` would send."""
    connection = connections[router.db_for_write(Suggestion)]
    components = Suggestion._meta.get_field("components")
    reasons = Suggestion._meta.get_field("reasons")
    return [
        (
            item.need_id,
            item.offering_id,
            direction,
            float(item.score),
            rank,
            components.get_db_prep_save(item.components, connection),
            reasons.get_db_prep_save(item.reasons, connection),
        )
        for rank, item in enumerate(items, start=1)
    ]


def _insert_rows(rows: list[tuple]) -> None:
    """Insert :func:`_rows_of` rows with one prepared INSERT (no model instances: at 1.1M rows
    ``bulk_create`` was a quarter of the rebuild), stamped with the time of the write."""
    if not rows:
        return
    connection = connections[router.db_for_write(Suggestion)]
    meta = Suggestion._meta
    fields = [meta.get_field(name) for name in _ROW_FIELDS + _STAMP_FIELDS]
    stamp = meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [row + (stamp, stamp) for row in rows])


#: Lists written per transaction by the rebuild: the ranking runs outside any transaction and
#: each write is short, so the site keeps serving and accepting writes meanwhile.
REBUILD_BATCH = 250


#: SQLite: pages of write-ahead log between two checkpoints while the rebuild writes (1,000
#: otherwise). Each batch rewrites index pages all over the file; checkpointing after nearly
#: every commit was most of the rebuild's writing time at 100k (docs/performance.md, 17d).
REBUILD_CHECKPOINT_PAGES = 40_000


@contextmanager
def _fewer_checkpoints():
    """On SQLite, checkpoint the log every ``REBUILD_CHECKPOINT_PAGES`` pages meanwhile, then
    restore the connection's own setting (the next commit past it checkpoints what is left).
    Nobody waits for a checkpoint: it runs after the commit released the write lock."""
    connection = connections[router.db_for_write(Suggestion)]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA wal_autocheckpoint={int(REBUILD_CHECKPOINT_PAGES)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(before)}")


def rebuild_workers() -> int:
    """Ranking processes of the rebuild by default: one per core, at most two (the writing
    process mostly waits for them). On this 2-core machine, quiet, two were faster than one:
    the 100k rebuild in 394 s against ~507 s, the 10k one in 24 s against 41 s
    (docs/performance.md, "The 100k seed on a quiet machine"). On a machine busy with other
    work one process was faster (17d): pass ``--workers 1`` there."""
    return max(1, min(2, usable_cores()))


def suggestions_rebuild_all(
    *, workers: int = 1, rank_workers: int | None = None, progress=None
) -> dict[str, int]:
    """Rebuild the index and every stored list, in batches of ``REBUILD_BATCH`` lists per
    transaction. ``workers``: processes for the fit's text analysis; ``rank_workers``:
    processes ranking the lists, forked after the fit (:func:`rebuild_workers` by default).
    Returns counts, the longest write transaction (``longest_write_ms``), the seconds of each
    stage (``fit_s``, ``needs_s``, ``offerings_s``), of all writes (``write_s``) and the
    number of ranking processes (``rank_workers``)."""
    started = time.perf_counter()
    holder.build(workers=workers)
    rank_workers = rebuild_workers() if rank_workers is None else max(1, rank_workers)
    if embeddings.enabled():  # the semantic re-ranking reads stored vectors: one process
        rank_workers = 1
    counts = {"needs": 0, "offerings": 0, "suggestions": 0, "longest_write_ms": 0}
    counts["fit_s"] = round(time.perf_counter() - started, 1)
    counts["rank_workers"] = rank_workers
    written = 0.0
    batch: list[tuple[int, list[tuple]]] = []

    def flush(direction: str) -> None:
        """Replace the stored lists of ``batch`` (one short write transaction)."""
        nonlocal written
        owner = "need_id" if direction == Direction.FOR_NEED else "offering_id"
        rows = [row for _pk, lists in batch for row in lists]
        began = time.perf_counter()

        def write() -> None:
            if direction == Direction.FOR_NEED:
                revise_need_lists([pk for pk, _ in batch])
            _replace_rows(
                Suggestion.objects.filter(
                    direction=direction, **{f"{owner}__in": [pk for pk, _ in batch]}
                ),
                rows,
            )

        atomic_with_retry(write)
        elapsed = time.perf_counter() - began
        written += elapsed
        counts["suggestions"] += len(rows)
        counts["longest_write_ms"] = max(counts["longest_write_ms"], round(1000 * elapsed))
        batch.clear()

    top = top_k()
    engine = holder.get()
    _warm_scoring()
    with _fewer_checkpoints():
        _rebuild_lists(engine, top, rank_workers, counts, batch, flush, progress)
    counts["write_s"] = round(written, 1)
    return counts


def _rebuild_lists(engine, top: int, rank_workers: int, counts: dict, batch: list, flush, progress):
    """Both stages of :func:`suggestions_rebuild_all` after the fit."""
    for side, batched, alone, direction, matchable in (
        (
            "needs",
            _batched_needs,
            rank_offerings_for_need,
            Direction.FOR_NEED,
            adapters.matchable_needs,
        ),
        (
            "offerings",
            _batched_offerings,
            rank_needs_for_offering,
            Direction.FOR_OFFERING,
            adapters.matchable_offerings,
        ),
    ):
        began = time.perf_counter()
        dismissed = _lists_with_dismissals(direction)

        def produce(share, batched=batched, direction=direction, dismissed=dismissed):
            for pk, items in batched(engine, top, dismissed, share):
                yield pk, (None if items is None else _rows_of(direction, items))

        for pk, rows in _in_processes(produce, rank_workers):
            if rows is None:  # the one-at-a-time path reads the database: here, not in a child
                rows = _rows_of(direction, alone(pk, top=top))
            batch.append((pk, rows))
            counts[side] += 1
            if len(batch) >= REBUILD_BATCH:
                flush(direction)
                if progress:
                    progress(side, counts[side])
        if batch:
            flush(direction)
        owner = "need_id" if direction == Direction.FOR_NEED else "offering_id"
        # Lists of listings no longer matchable (closed, hidden, deleted since the last run).
        stale = Suggestion.objects.filter(direction=direction).exclude(
            **{f"{owner}__in": matchable().values("pk")}
        )

        def drop_stale(direction=direction, stale=stale) -> None:
            if direction == Direction.FOR_NEED:
                revise_need_lists(Need.objects.filter(pk__in=stale.values("need_id")))
            stale.delete()

        atomic_with_retry(drop_stale)
        counts[f"{side}_s"] = round(time.perf_counter() - began, 1)


def _warm_scoring() -> None:
    """Load the stored calibration and learned ranker before forking (each child would read
    their files again)."""
    calibration.calibrate(0.0)
    learning.active_ranker()


def _in_processes(produce, workers: int):
    """What ``produce(share)`` yields for the shares (0, n) … (n - 1, n), each made in a
    process forked now (the engine's arrays are shared copy-on-write), sent back here in
    batches; the caller alone writes (SQLite has one writer). One process: ``produce((0, 1))``
    here. The children never touch the database."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from produce((0, 1))
        return
    context = multiprocessing.get_context("fork")
    readers, children = [], []
    try:
        for index in range(workers):
            reader, writer = context.Pipe(duplex=False)
            child = context.Process(
                target=_produce_into, args=(produce, (index, workers), writer), daemon=True
            )
            child.start()
            writer.close()
            readers.append(reader)
            children.append(child)
        while readers:
            for reader in multiprocessing.connection.wait(readers):
                try:
                    kind, payload = reader.recv()
                except EOFError:
                    raise RuntimeError("a ranking process ended before sending its lists") from None
                if kind == "items":
                    yield from payload
                elif kind == "error":
                    raise RuntimeError(f"a ranking process failed:\n{payload}")
                else:
                    readers.remove(reader)
                    reader.close()
    finally:
        for child in children:
            if child.is_alive() and readers:  # stopped early: an error here or in a child
                child.terminate()
            child.join()


def _produce_into(produce, share: tuple[int, int], writer) -> None:
    """A ranking process: send ``produce(share)``'s items in batches, then "done". It uses
    its share of the cores for numpy's BLAS, not all of them (``pools.blas_share``)."""
    try:
        items = []
        with blas_share(share[1]):
            for item in produce(share):
                items.append(item)
                if len(items) >= REBUILD_BATCH:
                    writer.send(("items", items))
                    items = []
        writer.send(("items", items))
        writer.send(("done", None))
    except Exception:  # noqa: BLE001 - reported to the parent, which raises it
        writer.send(("error", traceback.format_exc()))
    finally:
        writer.close()


# --- feedback -----------------------------------------------------------------------------------


@retried_atomic
def suggestion_dismiss(
    *, need: Need, offering: Offering, direction: str, user
) -> SuggestionFeedback:
    """ "Not relevant": hide ``offering`` from ``need``'s list (direction "need", by the need's
    enterprise) or ``need`` from ``offering``'s list (direction "offering", by its vendor)."""
    if direction not in Direction.values:
        raise ValidationError(_("Unknown list."), code="bad_direction")
    if direction == Direction.FOR_NEED:
        allowed = Need.objects.editable_by(user).filter(pk=need.pk).exists()
    else:
        allowed = Offering.objects.editable_by(user).filter(pk=offering.pk).exists()
    if not allowed:
        raise PermissionDenied
    current = Suggestion.objects.filter(need=need, offering=offering, direction=direction).first()
    feedback, _created = SuggestionFeedback.objects.get_or_create(
        need=need,
        offering=offering,
        direction=direction,
        defaults={
            "user": user,
            "organization_id": user_organization_id(user),
            "score": current.score if current else None,
            "components": current.components if current else {},
        },
    )
    if direction == Direction.FOR_NEED:
        revise_need_lists([need.pk])
    Suggestion.objects.filter(need=need, offering=offering, direction=direction).delete()
    return feedback
