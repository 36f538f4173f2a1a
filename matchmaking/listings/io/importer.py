"""Read an `llm-match/v1` file: validate everything first, then apply it in one transaction.

    report = import_file("listings.json")            # path, bytes, text, file object or dict
    if not report.ok:
        print("\n".join(report.errors))                # nothing was changed

Nothing is written unless the whole file is valid, and everything is written in a single
``transaction.atomic()`` block, so an interrupted import leaves the database as it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from matchmaking.core import jsonsafe
from matchmaking.listings.io import checks
from matchmaking.listings.io.registry import (
    ImportContext,
    SectionResult,
    get_import_section,
    import_sections,
)
from matchmaking.taxonomy.models import (
    ApplicationType,
    DeploymentMode,
    Layer,
    OfferingKind,
    Sector,
)

FORMAT = "llm-match/v1"
IGNORED_SECTIONS = {"labels"}  # evaluation data, not site content
REF_MAX_LENGTH = 80
_PLACE = re.compile(r"^(\w+)(?:\[(\d+)\])?")


class ImportFileError(Exception):
    """Raised by callers that prefer exceptions; carries the report."""

    def __init__(self, report: ImportReport):
        super().__init__("\n".join(report.errors))
        self.report = report


@dataclass
class ImportReport:
    errors: list[str] = field(default_factory=list)
    results: dict[str, SectionResult] = field(default_factory=dict)  # in apply order
    counts: dict[str, int] = field(default_factory=dict)  # records per section in the file
    skipped_sections: list[str] = field(default_factory=list)  # no handler registered
    ignored_sections: list[str] = field(default_factory=list)  # e.g. labels
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary_lines(self) -> list[str]:
        if self.errors:
            return [f"{len(self.errors)} error(s); nothing was changed:", *self.errors]
        verb = "would be" if self.dry_run else "were"
        lines = []
        for name, result in self.results.items():
            line = f"{name}: {result.created} created, {result.updated} updated"
            if result.skipped:
                line += f", {result.skipped} skipped"
            lines.append(line)
        for name in self.skipped_sections:
            lines.append(f"{name}: {self.counts.get(name, 0)} skipped (no handler)")
        for name in self.ignored_sections:
            lines.append(f"{name}: {self.counts.get(name, 0)} ignored (evaluation data)")
        if self.dry_run:
            lines.append(f"Dry run: nothing {verb} changed.")
        return lines


def _max_bytes() -> int:
    return settings.LISTINGS_IMPORT_MAX_BYTES


def _read(source: Any) -> bytes | str:
    """The file's content; at most one byte over the limit is read from a file object."""
    limit = _max_bytes()
    if isinstance(source, str | Path) and not (
        isinstance(source, str) and source.lstrip("\ufeff \t\r\n")[:1] in "{["
    ):
        path = Path(source)
        if path.stat().st_size > limit:
            raise _TooLarge(path.stat().st_size)
        return path.read_bytes()
    if hasattr(source, "read"):
        return source.read(limit + 1)
    return source


class _TooLarge(Exception):
    pass


def _load(source: Any, report: ImportReport) -> dict | None:
    """The file's top-level object, or None with the reason in ``report.errors``.

    A UTF-8 byte-order mark (as Windows editors and Excel write) is accepted and ignored."""
    if isinstance(source, dict):
        return source
    limit = _max_bytes()
    try:
        raw = _read(source)
        if len(raw) > limit:
            raise _TooLarge(len(raw))
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8-sig")
        elif raw.startswith("\ufeff"):
            raw = raw[1:]
        data = jsonsafe.loads(raw)
    except FileNotFoundError:
        report.errors.append(f"file: not found: {source}")
        return None
    except OSError as exc:
        report.errors.append(f"file: cannot read {source}: {exc.strerror or exc}")
        return None
    except _TooLarge:
        report.errors.append(f"file: too large (at most {limit} bytes)")
        return None
    except UnicodeDecodeError as exc:
        report.errors.append(f"file: not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    except jsonsafe.JSONTooDeep as exc:
        report.errors.append(f"file: invalid JSON: {exc}")
        return None
    except json.JSONDecodeError as exc:
        report.errors.append(
            f"file: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        )
        return None
    if not isinstance(data, dict):
        report.errors.append('file: expected a JSON object with a "format" key')
        return None
    return data


def _nul_errors(data: dict) -> list[str]:
    """The place of every string (key or value) that holds a NUL character.

    PostgreSQL cannot store NUL in text and SQLite would store it silently; refusing it in
    the file keeps both databases alike and every problem listed (not a DataError)."""
    errors = []
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        place, value = stack.pop()
        if isinstance(value, dict):
            children = []
            for key, item in value.items():
                child = f"{place}.{key}" if place else str(key)
                if "\x00" in key:
                    shown = child.replace("\x00", "\\u0000")
                    errors.append(f"{shown}: NUL character in a key")
                children.append((child, item))
            stack.extend(reversed(children))  # depth first, in file order
        elif isinstance(value, list):
            stack.extend(
                (f"{place}[{index}]", item) for index, item in reversed(list(enumerate(value)))
            )
        elif isinstance(value, str) and "\x00" in value:
            errors.append(f"{place}: must not contain a NUL character (\\u0000)")
    return errors


def _taxonomy_context(now, progress) -> ImportContext:
    def codes(model) -> set[str]:
        return set(model.objects.values_list("code", flat=True))

    return ImportContext(
        now=now,
        sector_codes=codes(Sector),
        app_type_codes=codes(ApplicationType),
        layer_codes=codes(Layer),
        kind_codes=codes(OfferingKind),
        deployment_codes=codes(DeploymentMode),
        progress_callback=progress,
    )


def _check_refs(name: str, items: list, ctx: ImportContext) -> set[str]:
    """Every record is an object with a unique string `ref`; returns the refs."""
    first_seen: dict[str, int] = {}
    for index, record in enumerate(items):
        place = f"{name}[{index}]"
        if not isinstance(record, dict):
            ctx.error(place, f"expected an object, got {checks.show(record)}")
            continue
        ref = record.get("ref")
        if ref is None:
            ctx.error(f"{place}.ref", "required")
        elif not isinstance(ref, str) or not ref.strip():
            ctx.error(f"{place}.ref", f"expected a non-empty string, got {checks.show(ref)}")
        elif len(ref) > REF_MAX_LENGTH:
            ctx.error(f"{place}.ref", f"too long ({len(ref)} characters; at most {REF_MAX_LENGTH})")
        elif ref in first_seen:
            ctx.error(f"{place}.ref", f'duplicate ref "{ref}" (also {name}[{first_seen[ref]}])')
        else:
            first_seen[ref] = index
    return set(first_seen)


def _sorted_errors(errors: list[str], order: list[str]) -> list[str]:
    """Errors in file order: by section (apply order), then record index (stable)."""

    def key(error: str):
        match = _PLACE.match(error)
        if not match:
            return (-1, 0)
        name, index = match.group(1), match.group(2)
        rank = order.index(name) if name in order else len(order)
        return (rank, int(index) if index else -1)

    return sorted(errors, key=key)


def import_data(
    source: Any,
    *,
    dry_run: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Validate `source` completely; when valid (and not a dry run) apply it atomically."""
    report = ImportReport(dry_run=dry_run)
    data = _load(source, report)
    if data is None:
        return report
    nul_errors = _nul_errors(data)
    if nul_errors:
        report.errors.extend(nul_errors)
        return report
    fmt = data.get("format")
    if fmt != FORMAT:
        report.errors.append(f'format: expected "{FORMAT}", got {checks.show(fmt)}')
        return report

    ctx = _taxonomy_context(timezone.now(), progress)
    handled = []
    for name, items in data.items():
        if name == "format":
            continue
        if not isinstance(items, list):
            ctx.error(name, f"expected a list of records, got {checks.show(items)}")
            continue
        report.counts[name] = len(items)
        if name in IGNORED_SECTIONS:
            report.ignored_sections.append(name)
        elif get_import_section(name) is None:
            report.skipped_sections.append(name)
        else:
            handled.append(name)
    sections = [section for section in import_sections() if section.name in handled]
    for section in import_sections():
        if section.db_refs is not None:
            ctx.db_ref_lookup[section.name] = section.db_refs
        if section.resolve is not None:
            ctx.resolvers[section.name] = section.resolve
    for section in sections:
        ctx.file_refs[section.name] = _check_refs(section.name, data[section.name], ctx)
    for section in sections:
        section.validate(data[section.name], ctx)
        ctx.progress(f"{section.name} (checked)", len(data[section.name]), len(data[section.name]))
    if ctx.errors:
        report.errors = _sorted_errors(ctx.errors, [section.name for section in sections])
        return report

    if dry_run:
        for section in sections:
            refs = ctx.file_refs[section.name]
            existing = len(refs & ctx.db_refs(section.name))
            report.results[section.name] = SectionResult(
                created=len(refs) - existing, updated=existing
            )
        return report

    with transaction.atomic():
        for section in sections:
            report.results[section.name] = section.apply(data[section.name], ctx)
    return report


def import_file(path_or_data: Any, *, dry_run: bool = False, progress=None) -> ImportReport:
    """Alias of :func:`import_data` (accepts a path, bytes, text, file object or dict)."""
    return import_data(path_or_data, dry_run=dry_run, progress=progress)
