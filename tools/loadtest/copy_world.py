"""Copy a prepared SQLite world, every row of every model, into the configured database.

``scripts/loadtest.sh --postgres`` loads PostgreSQL with the same world as the SQLite run —
the same listings *and* the same accounts, organizations, memberships, stored suggestions and
connections — so every endpoint (a need's page as its owner, the vendor's opportunities, the
inbox) has the same signed-in users on both. An export of the listings alone (llm-match/v1)
carries no accounts, so the vendor pages had no vendor member to sign in.

The target is emptied first (``flush`` without re-creating content types and permissions:
they are copied too, with their ids, so generic relations stay right), then the rows are
copied model by model in batches through the ORM (``bulk_create``: no signals, no services,
so nothing is recomputed — the copy is the world as prepared), all in one transaction
(PostgreSQL and SQLite check the foreign keys at its commit, so the order of the models does
not matter), the id sequences are moved past the copied ids, and the tables are vacuumed and
their statistics gathered (``VACUUM ANALYZE``) before any request is measured.
"""

from __future__ import annotations

SOURCE_ALIAS = "loadtest_source"
BATCH = 2000


def copy_world(source_path: str, *, using: str = "default", write=print) -> dict[str, int]:
    """Copy every row of ``source_path`` (a migrated SQLite world) into ``using``; returns the
    rows copied per table."""
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connections

    if SOURCE_ALIAS not in connections.settings:
        source = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(source_path)}
        connections.settings[SOURCE_ALIAS] = connections.configure_settings(
            {"default": source, SOURCE_ALIAS: source}
        )[SOURCE_ALIAS]
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]
    source_tables = set(connections[SOURCE_ALIAS].introspection.table_names())
    call_command("flush", database=using, interactive=False, inhibit_post_migrate=True, verbosity=0)
    copied: dict[str, int] = {}
    # The rows keep their own timestamps: ``bulk_create`` would stamp auto_now(_add) fields.
    stamped = [
        (field, field.auto_now, field.auto_now_add)
        for model in models
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    for field, _now, _add in stamped:
        field.auto_now = field.auto_now_add = False
    try:
        _copy_rows(models, source_tables, using, copied)
    finally:
        for field, auto_now, auto_now_add in stamped:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add
    connections[SOURCE_ALIAS].close()
    # The planner's statistics and the visibility map, as a restore is finished (vacuumdb
    # --analyze runs VACUUM ANALYZE): without statistics PostgreSQL plans the first minute's
    # queries for empty tables (the vendor's opportunities ran at 5.6–22 req/s in the first
    # phase, 62–73 after it; 68–69 in both once analysed). Without the VACUUM, the 1.8M rows
    # just inserted pass autovacuum's insert threshold: its VACUUMs of matching_suggestion
    # (38 s) and listings_offering (5 s) started right after the copy and ended 6 s before
    # the load on a quiet machine (stop 32, tools/loadtest/pg_activity.py); on a slower one
    # they reach into the first measured phase.
    connection = connections[using]
    with connection.cursor() as cursor:
        # (SQLite, a copy the tests make: its VACUUM rewrites the file; statistics suffice)
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    total = sum(copied.values())
    write(f"copied {total} rows of {len(copied)} tables from {source_path} (vacuumed, analysed)")
    return copied


def _copy_rows(models, source_tables, using, copied) -> None:
    from django.core.management.color import no_style
    from django.db import connections, transaction

    with transaction.atomic(using=using):
        for model in models:
            table = model._meta.db_table
            if table not in source_tables:
                continue
            manager = model._base_manager
            batch = []
            count = 0
            for row in manager.using(SOURCE_ALIAS).order_by().iterator(chunk_size=BATCH):
                row._state.db = using
                batch.append(row)
                if len(batch) >= BATCH:
                    manager.using(using).bulk_create(batch)
                    count += len(batch)
                    batch = []
            if batch:
                manager.using(using).bulk_create(batch)
                count += len(batch)
            copied[table] = count
        connection = connections[using]
        statements = connection.ops.sequence_reset_sql(no_style(), models)
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
