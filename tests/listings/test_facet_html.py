"""The sidebar's facet groups are built in Python (``presentation.facet_groups_html``): the
markup must stay byte for byte what the template loop it replaced printed, escaping included."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils.translation import gettext_lazy

from matchmaking.listings.browse.presentation import facet_groups_html

# The loop that was in listings/includes/filter_sidebar.html until task 17f, verbatim.
TEMPLATE_LOOP = (
    "  {% for group in facets %}\n"
    '    <fieldset class="facet" data-facet="{{ group.name }}">\n'
    "      <legend>{{ group.label }}</legend>\n"
    '      <ul class="facet-choices">\n'
    "        {% for choice in group.choices %}\n"
    "          <li>\n"
    '            <label class="checkbox-label{% if not choice.count and not choice.checked %}'
    ' facet-empty{% endif %}">\n'
    '              <input type="checkbox" name="{{ group.name }}" value="{{ choice.code }}"'
    "{% if choice.checked %} checked{% endif %}>\n"
    '              {{ choice.label }} <span class="facet-count" data-facet-count='
    '"{{ group.name }}:{{ choice.code }}">{{ choice.count }}</span>\n'
    "            </label>\n"
    "          </li>\n"
    "        {% endfor %}\n"
    "      </ul>\n"
    "    </fieldset>\n"
    "  {% endfor %}\n"
)

GROUPS = [
    {
        "name": "sector",
        "label": gettext_lazy("Sector"),
        "choices": [
            {"code": "finance", "label": "金融", "count": 12, "checked": True},
            {"code": "health", "label": "医疗 & <卫生>", "count": 0, "checked": False},
            {"code": "gov", "label": 'say "hi"', "count": 0, "checked": True},
            {"code": "x'y", "label": "x", "count": 3, "checked": False},
        ],
    },
    {"name": "kind", "label": "Kind <b>", "choices": []},
    {
        "name": "deployment",
        "label": "部署",
        "choices": [{"code": "saas", "label": "SaaS", "count": 1_000, "checked": False}],
    },
]


@pytest.mark.parametrize("groups", [GROUPS, GROUPS[:1], []], ids=["three", "one", "none"])
def test_the_python_markup_is_the_template_loops_byte_for_byte(groups):
    expected = Template(TEMPLATE_LOOP).render(Context({"facets": groups}))
    assert "  " + facet_groups_html(groups) + "\n" == expected


def test_labels_and_codes_are_escaped():
    html = facet_groups_html(GROUPS)
    assert "&lt;卫生&gt;" in html and "<卫生>" not in html
    assert "say &quot;hi&quot;" in html and 'value="x&#x27;y"' in html
    assert "Kind &lt;b&gt;" in html
