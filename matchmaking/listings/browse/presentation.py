"""What a browse page shows around its rows: the sidebar's facet groups and the removable
chips of the active filters — both read from the filterset's declared facets."""

from __future__ import annotations

from urllib.parse import urlencode

from matchmaking.core.money import format_money
from matchmaking.core.text import label_colon
from matchmaking.listings.browse.facets import Bound


def facet_groups(filterset, counts: dict) -> list[dict]:
    """[{name, label, choices: [{code, label, count, checked}]}] for the sidebar checkboxes
    (the counted facets with choices; yes/no boxes are shown by the template)."""
    groups = []
    for name in filterset.facet_names:
        if name in filterset.flag_names:
            continue
        field = filterset.form.fields[name]
        selected = set(filterset.cleaned.get(name) or [])
        choices = [
            {
                "code": code,
                "label": label,
                "count": counts.get(name, {}).get(code, 0),
                "checked": code in selected,
            }
            for code, label in field.choices
        ]
        groups.append({"name": name, "label": field.label, "choices": choices})
    return groups


def flag_counts(filterset, counts: dict) -> dict[str, int]:
    """The count of each yes/no box."""
    return {name: counts.get(name, {}).get("1", 0) for name in filterset.flag_names}


def chips(filterset, data) -> list[dict]:
    """Active filters as (label, link without it)."""
    found = []
    labels = {}
    for name, field in filterset.form.fields.items():
        for code, label in getattr(field, "choices", []) or []:
            labels[(name, str(code))] = label
    amounts = {facet.name for facet in filterset.facets if isinstance(facet, Bound)}
    for key in data:
        if key == "sort":
            continue
        for value in data.getlist(key):
            if not value:
                continue
            remaining = [
                (other, other_value)
                for other in data
                for other_value in data.getlist(other)
                if not (other == key and other_value == value)
            ]
            field = filterset.form.fields.get(key)
            label = labels.get((key, value), value)
            if key in filterset.flag_names:
                label = field.label if field else key
            elif key in amounts and field is not None:
                label = f"{field.label}{label_colon()}{format_money(value)}"
            elif field is not None and (key, value) not in labels:
                label = f"{field.label}{label_colon()}{value}"
            found.append({"label": label, "url": "?" + urlencode(remaining)})
    return found


def query_string(data) -> str:
    return urlencode([(key, value) for key in data for value in data.getlist(key)], doseq=False)
