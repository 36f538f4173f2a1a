"""What a revision is made of: the reviewable fields of a listing, their stored form, the
field-by-field diff a moderator reads, and the threshold below which an edit is minor.

Pure helpers (no writes); the services decide what to do with the answers. The policy is
documented in docs/revisions.md.

The minor-edit threshold
------------------------
An edit of a live listing skips review only when

* it changes nothing but the listing's text fields (offerings: title, summary, description;
  needs: title, description, data note, success metric) — any change to prices, budgets,
  categories, kind, layer, deployment, compliance fields, regions, keywords, links, visibility,
  deadline or a new screenshot is material; and
* the text, compared with the version a moderator last reviewed (``reviewed_text``, not the
  current live text, so a chain of small edits adds up), differs by at most
  ``MINOR_EDIT_MAX_CHARS`` characters in all, and in each field by at most
  ``MINOR_EDIT_FIELD_RATIO`` of that field's reviewed length (but always
  ``MINOR_EDIT_FIELD_MIN_CHARS`` characters, so a one-character typo in a short title is minor).
"""

from __future__ import annotations

from datetime import date
from difflib import SequenceMatcher

from django.utils.translation import gettext_lazy as _

from matchmaking.listings.fields import NEED_EDITABLE_FIELDS, OFFERING_EDITABLE_FIELDS, TERM_FIELDS
from matchmaking.taxonomy.models import (
    ApplicationType,
    DeploymentMode,
    Layer,
    OfferingKind,
    Sector,
)

MINOR_EDIT_MAX_CHARS = 20
MINOR_EDIT_FIELD_RATIO = 0.1
MINOR_EDIT_FIELD_MIN_CHARS = 2

OFFERING_REVIEWED_FIELDS = OFFERING_EDITABLE_FIELDS
NEED_REVIEWED_FIELDS = NEED_EDITABLE_FIELDS
OFFERING_TEXT_FIELDS = ("title", "summary", "description")
NEED_TEXT_FIELDS = ("title", "description", "data_note", "success_metric")

FOREIGN_KEYS = ("kind", "layer")
DATE_FIELDS = ("deadline",)


def reviewed_fields(listing) -> tuple[str, ...]:
    return OFFERING_REVIEWED_FIELDS if _is_offering(listing) else NEED_REVIEWED_FIELDS


def text_fields(listing) -> tuple[str, ...]:
    return OFFERING_TEXT_FIELDS if _is_offering(listing) else NEED_TEXT_FIELDS


def _is_offering(listing) -> bool:
    return listing._meta.model_name == "offering"


# --- stored form ----------------------------------------------------------------------------


def snapshot(listing, *, terms: dict[str, list[int]] | None = None) -> dict:
    """The listing's reviewable values in stored form (JSON-ready). ``terms`` overrides the
    many-to-many values (for a listing not saved with them yet)."""
    values = {}
    for name in reviewed_fields(listing):
        if name in TERM_FIELDS:
            if terms is not None and name in terms:
                values[name] = sorted(terms[name])
            else:
                values[name] = sorted(getattr(listing, name).values_list("pk", flat=True))
        elif name in FOREIGN_KEYS:
            values[name] = getattr(listing, f"{name}_id")
        elif name in DATE_FIELDS:
            value = getattr(listing, name)
            values[name] = value.isoformat() if value else None
        else:
            values[name] = getattr(listing, name)
    return values


def to_service_fields(changes: dict) -> dict:
    """Stored form → keyword arguments of the listings services (terms by primary key)."""
    fields = {}
    for name, value in changes.items():
        if name in DATE_FIELDS and value:
            value = date.fromisoformat(value)
        fields[name] = value
    return fields


def assign(listing, changes: dict) -> dict[str, list[int]]:
    """Put the stored ``changes`` on an unsaved copy of a listing; returns the term lists."""
    terms = {}
    for name, value in changes.items():
        if name in TERM_FIELDS:
            terms[name] = list(value)
        elif name in FOREIGN_KEYS:
            setattr(listing, f"{name}_id", value)
        elif name in DATE_FIELDS:
            setattr(listing, name, date.fromisoformat(value) if value else None)
        else:
            setattr(listing, name, value)
    return terms


# --- the threshold --------------------------------------------------------------------------


def edit_distance(old: str, new: str, *, limit: int | None = None) -> int:
    """Characters inserted, deleted or replaced to turn ``old`` into ``new`` (from difflib's
    opcodes: close to the Levenshtein distance, never below it). Stops early past ``limit``."""
    old, new = old or "", new or ""
    if old == new:
        return 0
    gap = abs(len(old) - len(new))
    if limit is not None and gap > limit:
        return gap
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    return sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )


def field_limit(reviewed: str) -> int:
    return max(MINOR_EDIT_FIELD_MIN_CHARS, int(len(reviewed or "") * MINOR_EDIT_FIELD_RATIO))


def is_minor(listing, changes: dict, desired: dict, reviewed_text: dict) -> bool:
    """Whether ``changes`` (stored form, against the live listing) may go live without review.

    ``desired`` is the whole proposed state; ``reviewed_text`` the text fields as a moderator
    last reviewed them (empty: the live text is taken as reviewed)."""
    texts = text_fields(listing)
    if not changes or any(name not in texts for name in changes):
        return False
    total = 0
    for name in texts:
        reviewed = reviewed_text.get(name, getattr(listing, name)) or ""
        distance = edit_distance(reviewed, desired.get(name) or "", limit=MINOR_EDIT_MAX_CHARS)
        if distance > field_limit(reviewed):
            return False
        total += distance
    return total <= MINOR_EDIT_MAX_CHARS


# --- the diff -------------------------------------------------------------------------------


def _display(listing, name: str, value) -> str:
    models = {
        "sectors": Sector,
        "app_types": ApplicationType,
        "deployment_modes": DeploymentMode,
        "kind": OfferingKind,
        "layer": Layer,
    }
    if value in (None, "", []):
        return "—"
    if name in models:
        pks = value if isinstance(value, list) else [value]
        terms = models[name].objects.filter(pk__in=pks).order_by("order", "code")
        return "、".join(str(term.name) for term in terms) or "—"
    field = listing._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    if isinstance(value, int):
        return f"¥{value:,}" if name.startswith(("price_", "budget_")) else str(value)
    return str(value)


def diff_rows(listing, changes: dict, previous: dict) -> list[dict]:
    """[{name, label, old, new, long}] for each changed field, in the form's order."""
    rows = []
    for name in reviewed_fields(listing):
        if name not in changes:
            continue
        field = listing._meta.get_field(name)
        rows.append(
            {
                "name": name,
                "label": field.verbose_name,
                "old": _display(listing, name, previous.get(name)),
                "new": _display(listing, name, changes[name]),
                "long": name == "description",
            }
        )
    return rows
