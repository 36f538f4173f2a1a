"""What a browse page shows around its rows: the sidebar's facet groups and the removable
chips of the active filters — both read from the filterset's declared facets."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

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


def facet_groups_html(groups: list[dict]) -> SafeString:
    """The sidebar's facet fieldsets, byte for byte what ``filter_sidebar.html``'s loop over
    ``groups`` printed (``{% for group in facets %}`` … ``{% endfor %}``, autoescaped): some
    thirty checkboxes per page, each a dozen template variable lookups, built in Python."""
    parts = []
    for group in groups:
        name = conditional_escape(group["name"])
        parts.append(
            f'\n    <fieldset class="facet" data-facet="{name}">\n'
            f"      <legend>{conditional_escape(group['label'])}</legend>\n"
            '      <ul class="facet-choices">\n        '
        )
        for choice in group["choices"]:
            count, checked = choice["count"], choice["checked"]
            code = conditional_escape(choice["code"])
            empty = "" if count or checked else " facet-empty"
            parts.append(
                "\n          <li>\n"
                f'            <label class="checkbox-label{empty}">\n'
                f'              <input type="checkbox" name="{name}" value="{code}"'
                f"{' checked' if checked else ''}>\n"
                f"              {conditional_escape(choice['label'])} "
                f'<span class="facet-count" data-facet-count="{name}:{code}">'
                f"{conditional_escape(count)}</span>\n"
                "            </label>\n"
                "          </li>\n        "
            )
        parts.append("\n      </ul>\n    </fieldset>\n  ")
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


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
