"""The table behind the ``shared`` cache when there is no Redis (see core/shared_cache.py).

Created here rather than by ``createcachetable`` so that ``migrate`` alone prepares a
database, whatever CACHES says at the time (switching Redis off later needs no extra step).
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

from matchmaking.core.shared_cache import SHARED_CACHE_TABLE


def create_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, SHARED_CACHE_TABLE, False)


def drop_table(apps, schema_editor):
    if SHARED_CACHE_TABLE in schema_editor.connection.introspection.table_names():
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {schema_editor.quote_name(SHARED_CACHE_TABLE)}")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(create_table, drop_table)]
