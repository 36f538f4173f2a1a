"""What listings adds to the shared pages: navigation links and the home page section."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from matchmaking.core.home import HomeCount, HomeSection, register_home_section
from matchmaking.core.navigation import register_nav_link
from matchmaking.listings.selectors import home_figures, latest_offerings


def home_section(request) -> HomeSection:
    figures = home_figures()
    return HomeSection(
        counts=(
            HomeCount(
                _("published offerings"), figures["offerings"], reverse("listings:offering-list")
            ),
            HomeCount(_("open needs"), figures["needs"], reverse("listings:need-list")),
        ),
        template="listings/includes/home_latest.html",
        context={"offerings": latest_offerings(6)},
    )


def register_all() -> None:
    register_nav_link("public", 10, _("Offerings"), "listings:offering-list")
    register_nav_link("public", 20, _("Needs"), "listings:need-list")
    register_nav_link("enterprise", 10, _("My needs"), "listings:my-needs")
    register_nav_link("enterprise", 20, _("Post a need"), "listings:need-create")
    register_nav_link("vendor", 10, _("My offerings"), "listings:my-offerings")
    register_nav_link("vendor", 20, _("List an offering"), "listings:offering-create")
    register_nav_link("admin", 10, _("Moderation"), "listings:moderation-queue")
    register_home_section(20, home_section)
