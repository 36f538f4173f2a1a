"""What listings adds to the home page: live counts and the latest offerings."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from matchmaking.core.home import HomeCount, HomeSection
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

