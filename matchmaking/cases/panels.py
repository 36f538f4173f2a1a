"""What the case library adds to other apps' pages (registered in CasesConfig.ready())."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from matchmaking.cases import selectors
from matchmaking.cases.caching import cached_cases_like_need, offering_has_published_cases
from matchmaking.cases.models import Case
from matchmaking.core.home import HomeCount, HomeSection
from matchmaking.core.panels import Panel

PANEL_TEMPLATE = "cases/includes/panel_cases.html"


def offering_cases_panel(request, offering) -> Panel | None:
    """An offering's page: the published cases that used it. Most offerings have none: the
    published cases' offering ids, kept per cases version, answer that without a query."""
    if not offering_has_published_cases(offering.pk):
        return None
    cases = selectors.cases_for_offering(offering)
    if not cases:
        return None
    return Panel(
        PANEL_TEMPLATE,
        {
            "panel_id": "offering-cases",
            "panel_title": _("Cases using this offering"),
            "panel_cases": cases,
        },
    )


def organization_cases_panel(request, organization) -> Panel | None:
    """A vendor's page: its published cases."""
    if not getattr(organization, "is_vendor", False):
        return None
    cases = selectors.cases_for_vendor(organization)
    if not cases:
        return None
    return Panel(
        PANEL_TEMPLATE,
        {
            "panel_id": "vendor-cases",
            "panel_title": _("Published cases"),
            "panel_cases": cases,
            "panel_more_url": reverse("cases:case-list") + f"?vendor={organization.pk}",
        },
    )


def need_similar_cases_panel(request, need) -> Panel | None:
    """A need's page: "enterprises like you used…" — published cases in the same sector
    and application type (or, failing that, the same sector). The same for every viewer:
    chosen and rendered once per data version, set of categories and language
    (``cases.caching``)."""
    markup = cached_cases_like_need(need, _render_similar_cases)
    return Panel(markup=markup) if markup else None


def _render_similar_cases(cases: list[Case], exact: bool) -> str:
    # Rendered alone, without the page's context: the same markup for every viewer.
    return render_to_string(
        PANEL_TEMPLATE,
        {
            "panel_id": "similar-cases",
            "panel_title": _("Enterprises like you used…"),
            "panel_intro": (
                _("Published cases in the same sector and application type.")
                if exact
                else _("Published cases in the same sector.")
            ),
            "panel_cases": cases,
        },
    )


def featured_cases_section(request) -> HomeSection | None:
    published = Case.objects.published().count()
    cases = selectors.featured_cases(limit=3)
    url = reverse("cases:case-list")
    return HomeSection(
        counts=(HomeCount(label=_("published cases"), value=published, url=url),),
        template="cases/includes/home_featured.html" if cases else "",
        context={"cases": cases, "url": url},
    )
