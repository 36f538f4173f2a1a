"""Sections of an `llm-match/v1` file and the contexts their handlers receive.

An app adds a section from its ``AppConfig.ready()``::

    from matchmaking.listings.io.registry import ImportSection, register_import_section

    register_import_section(
        ImportSection(name="cases", order=40, validate=..., apply=..., export=...)
    )

* ``validate(records, ctx)`` checks every record and calls ``ctx.error(place, message)``
  for each problem (``place`` like ``"cases[3].sector"``); it must not write anything.
* ``apply(records, ctx)`` runs only when the whole file is valid, inside the single
  import transaction, in ``order`` (organizations 10, offerings 20, needs 30, cases 40).
  It stores the saved instances in ``ctx.objects[name][ref]`` and returns a
  :class:`SectionResult`.
* ``export(ctx)`` returns the section's records, sorted by ``ref``; use
  ``ctx.org_ref(org)`` / ``ctx.offering_ref(offering)`` to refer to other records.

A section present in a file without a registered handler is reported as skipped; the
``labels`` section (evaluation data) is always ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class SectionResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0


@dataclass
class ImportContext:
    """State shared by the sections of one import run."""

    now: datetime
    sector_codes: set[str] = field(default_factory=set)
    app_type_codes: set[str] = field(default_factory=set)
    layer_codes: set[str] = field(default_factory=set)
    kind_codes: set[str] = field(default_factory=set)
    deployment_codes: set[str] = field(default_factory=set)
    # section name → refs present in the file (filled before any validation runs)
    file_refs: dict[str, set[str]] = field(default_factory=dict)
    # section name → {ref: model instance}, filled as sections apply
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    # callable(section, done, total) or None
    progress_callback: Callable[[str, int, int], None] | None = None
    # section name → callable() -> set of the section's refs stored in the database
    db_ref_lookup: dict[str, Callable[[], set[str]]] = field(default_factory=dict)
    # section name → callable(ref) -> stored instance or None
    resolvers: dict[str, Callable[[str], Any]] = field(default_factory=dict)
    _db_refs: dict[str, set[str]] = field(default_factory=dict)
    # free slot for sections to cache data between validate and apply
    cache: dict[str, Any] = field(default_factory=dict)

    def error(self, place: str, message: str) -> None:
        self.errors.append(f"{place}: {message}")

    def progress(self, section: str, done: int, total: int) -> None:
        if self.progress_callback is not None:
            self.progress_callback(section, done, total)

    def db_refs(self, section: str) -> set[str]:
        """Refs of `section` that already exist in the database (computed once)."""
        if section not in self._db_refs:
            lookup = self.db_ref_lookup.get(section)
            self._db_refs[section] = set(lookup()) if lookup else set()
        return self._db_refs[section]

    def ref_exists(self, section: str, ref: str) -> bool:
        """True when `ref` is in the file's `section` or already in the database."""
        return ref in self.file_refs.get(section, set()) or ref in self.db_refs(section)

    def resolve(self, section: str, ref: str):
        """During apply: the instance for `ref` — saved from this file, else from the database."""
        found = self.objects.get(section, {}).get(ref)
        if found is None and section in self.resolvers:
            found = self.resolvers[section](ref)
            if found is not None:
                self.objects.setdefault(section, {})[ref] = found
        return found


@dataclass
class ExportContext:
    """Assigns stable refs to exported objects that have none and remembers what was exported."""

    include_unpublished: bool = True
    # None: the whole catalogue. A set of offering ids: only those offerings, their vendors
    # and the published cases of those offerings (no needs) — an export of a filtered list.
    offering_ids: frozenset[int] | None = None
    organizations: dict[int, Any] = field(default_factory=dict)  # pk → Organization
    offerings: dict[int, Any] = field(default_factory=dict)  # pk → Offering
    cache: dict[str, Any] = field(default_factory=dict)

    def org_ref(self, org) -> str:
        self.organizations.setdefault(org.pk, org)
        return org.ref or f"org-{org.pk}"

    def offering_ref(self, offering) -> str:
        self.offerings.setdefault(offering.pk, offering)
        return offering.ref or f"offering-{offering.pk}"

    def need_ref(self, need) -> str:
        return need.ref or f"need-{need.pk}"


@dataclass(frozen=True)
class ImportSection:
    name: str
    order: int
    validate: Callable[[list[dict], ImportContext], None]
    apply: Callable[[list[dict], ImportContext], SectionResult]
    export: Callable[[ExportContext], list[dict]]
    # Optional: given nothing, return the set of refs of this section stored in the database
    # (used by ctx.ref_exists for records the file refers to but does not contain).
    db_refs: Callable[[], set[str]] | None = None
    # Optional: ref → stored instance or None (used by ctx.resolve during apply).
    resolve: Callable[[str], Any] | None = None


_sections: dict[str, ImportSection] = {}


def register_import_section(section: ImportSection) -> None:
    """Register (or replace, by name) the handler of one file section."""
    _sections[section.name] = section


def import_sections() -> list[ImportSection]:
    """Registered sections in apply order."""
    return sorted(_sections.values(), key=lambda section: section.order)


def get_import_section(name: str) -> ImportSection | None:
    return _sections.get(name)
