"""The fields a listing's owner edits, declared once.

The edit forms (``forms.py`` ``Meta.fields``), the services' accepted keyword arguments
(``services/common.py``: these plus ``ref``, taxonomy terms apart) and the fields a revision
reviews (``revisions.py``) are all derived from these tuples, so a new field is added here.
"""

from __future__ import annotations

#: The taxonomy terms a listing links to (many-to-many).
TERM_FIELDS = ("sectors", "app_types", "deployment_modes")

OFFERING_EDITABLE_FIELDS = (
    "title",
    "summary",
    "description",
    "kind",
    "layer",
    "sectors",
    "app_types",
    "deployment_modes",
    "price_min",
    "price_max",
    "price_unit",
    "regions",
    "tags",
    "domestic_platforms",
    "on_premises_data",
    "demo_url",
)
NEED_EDITABLE_FIELDS = (
    "title",
    "description",
    "sectors",
    "app_types",
    "data_availability",
    "data_labelled",
    "data_note",
    "success_metric",
    "budget_min",
    "budget_max",
    "deployment_modes",
    "requires_domestic_hw",
    "requires_on_premises",
    "requires_filing",
    "compliance_note",
    "region",
    "deadline",
    "visibility",
)

#: Keyword arguments of the services' create/update functions besides the terms.
OFFERING_FIELDS = ("ref", *(name for name in OFFERING_EDITABLE_FIELDS if name not in TERM_FIELDS))
NEED_FIELDS = ("ref", *(name for name in NEED_EDITABLE_FIELDS if name not in TERM_FIELDS))
