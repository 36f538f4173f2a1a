"""Writes to the taxonomy."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from matchmaking.taxonomy.models import TAXONOMY_MODELS

TAXONOMY_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "taxonomy.json"
_FIELDS = ("name_zh", "name_en", "description_zh", "description_en")


def taxonomy_load(
    *, path: Path | None = None, models: dict | None = None, overwrite: bool = False
) -> int:
    """Create the taxonomy terms from `fixtures/taxonomy.json`; idempotent.

    Existing terms keep their admin-edited names unless ``overwrite`` is set. ``models``
    maps section names to model classes (a data migration passes historical models).
    Returns the number of terms created.
    """
    if models is None:
        models = TAXONOMY_MODELS
    data = json.loads(Path(path or TAXONOMY_FIXTURE).read_text(encoding="utf-8"))
    created = 0
    with transaction.atomic():
        for section, model in models.items():
            for order, entry in enumerate(data[section], start=1):
                defaults = {field: entry.get(field, "") for field in _FIELDS}
                defaults["order"] = order * 10
                term, was_created = model.objects.get_or_create(
                    code=entry["code"], defaults=defaults
                )
                created += was_created
                if overwrite and not was_created:
                    for field, value in defaults.items():
                        setattr(term, field, value)
                    term.save()
    return created


def seed_taxonomy(options: dict, stdout) -> list[str]:
    """`seed_demo` seeder (order 0, before every app's demo data): the taxonomy terms."""
    taxonomy_load()
    return []
