"""Write the site's organizations, offerings, needs (and registered sections such as cases)
as an `llm-match/v1` file that :mod:`importer` reads back unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from matchmaking.listings.io.importer import FORMAT
from matchmaking.listings.io.registry import ExportContext, import_sections


def export_data(*, include_unpublished: bool = True, offering_ids=None) -> dict:
    """All sections, records sorted by `ref` (deterministic output). With ``offering_ids``,
    only those offerings, their vendors and their cases (the export of a filtered list)."""
    ctx = ExportContext(
        include_unpublished=include_unpublished,
        offering_ids=None if offering_ids is None else frozenset(offering_ids),
    )
    data: dict = {"format": FORMAT}
    for section in import_sections():
        data[section.name] = section.export(ctx)
    return data


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def export_file(path: str | Path, *, include_unpublished: bool = True) -> dict:
    data = export_data(include_unpublished=include_unpublished)
    Path(path).write_text(dumps(data), encoding="utf-8")
    return data
