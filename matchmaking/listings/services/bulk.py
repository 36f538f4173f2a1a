"""Bulk saves for imports (``listings/io/sections``): many prepared listings in a few statements.

The import validates every record first and prepares the instances (search fields, hype flags,
expiry) the way the one-at-a-time services do; these functions are its only writes. Bulk
statements send no model signals and, by design, no per-row domain events (an import of 100,000
offerings must not enqueue 100,000 refreshes): they record the change feed and bump the listings
cache version, and ``manage.py rebuild_suggestions`` (run after an import) stores the new lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.db import connections, router
from django.db.models import Model

from matchmaking.core.changes import record_changes
from matchmaking.listings.models import Need, Offering
from matchmaking.listings.services.common import M2M_FIELDS, _bump

BATCH = 1000  # rows per bulk statement
CHUNK = 2000  # ids per `IN (...)` (well under SQLite's variable limit)

#: Fields an import sets on an existing listing.
OFFERING_IMPORT_FIELDS = (
    "organization", "title", "summary", "description", "kind", "layer", "price_min",
    "price_max", "price_unit", "regions", "tags", "domestic_platforms", "on_premises_data",
    "demo_url", "status", "published_at", "search_text", "regions_index", "hype_flags",
    "reviewed_text", "text_since", "dated_text", "updated_at",
)  # fmt: skip


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _replace_terms(
    model: type[Model], rows: list[tuple[Model, dict]], updated_ids: list[int]
) -> None:
    """Replace the taxonomy links of ``rows`` ((instance, {field: [codes]})): bulk delete the
    updated instances' old links, then insert the new ones with one executemany per batch (no
    model instances: this is the hot path of a 100k-offering import)."""
    for field_name, term_model in M2M_FIELDS.items():
        through = model._meta.get_field(field_name).remote_field.through
        owner_column = f"{model._meta.model_name}_id"
        term_column = f"{term_model._meta.model_name}_id"
        for chunk in _chunks(updated_ids):
            through.objects.filter(**{f"{owner_column}__in": chunk}).delete()
        ids = dict(term_model.objects.values_list("code", "id"))
        links = [(obj.pk, ids[code]) for obj, values in rows for code in values[field_name]]
        connection = connections[router.db_for_write(through)]
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(through._meta.db_table)} "
            f"({quote(owner_column)}, {quote(term_column)}) VALUES (%s, %s)"
        )
        with connection.cursor() as cursor:
            for batch in _chunks(links, BATCH * 10):
                cursor.executemany(sql, batch)


def _bulk_save(
    model: type[Model],
    *,
    new: list,
    changed: list,
    fields: Sequence[str],
    terms: list[tuple[Model, dict]],
    progress: Callable[[int, int], None] | None,
) -> None:
    for done, batch in enumerate(_chunks(new, BATCH * 5), start=1):
        model.objects.bulk_create(batch, batch_size=BATCH)
        if progress is not None:
            progress(min(done * BATCH * 5, len(new)), len(new))
    model.objects.bulk_update(changed, fields, batch_size=BATCH // 2)
    _replace_terms(model, terms, [obj.pk for obj in changed])
    record_changes(model, [obj.pk for obj in new + changed])
    _bump()


def offerings_bulk_save(
    *,
    new: list[Offering],
    changed: list[Offering],
    terms: list[tuple[Offering, dict]],
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Create ``new`` and update ``changed`` offerings, then set every one's taxonomy terms
    (``terms``: (offering, {"sectors": [codes], ...})). Call inside the import's transaction."""
    _bulk_save(
        Offering,
        new=new,
        changed=changed,
        fields=OFFERING_IMPORT_FIELDS,
        terms=terms,
        progress=progress,
    )


def needs_bulk_save(
    *,
    new: list[Need],
    changed: list[Need],
    fields: Sequence[str],
    terms: list[tuple[Need, dict]],
) -> None:
    """Create ``new`` and update ``fields`` of ``changed`` needs, then set their taxonomy terms."""
    _bulk_save(Need, new=new, changed=changed, fields=fields, terms=terms, progress=None)
