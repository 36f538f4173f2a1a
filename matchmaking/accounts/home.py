"""What accounts adds to the home page: live counts of organizations."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from matchmaking.accounts.models import Organization
from matchmaking.core.home import HomeCount, HomeSection


def organizations_home_section(request: HttpRequest) -> HomeSection:
    directory = reverse("accounts:organization-list")
    verified_vendors = Organization.objects.vendors().verified().count()
    enterprises = Organization.objects.enterprises().count()
    return HomeSection(
        counts=(
            HomeCount(
                _("verified vendors"),
                verified_vendors,
                directory + "?" + urlencode({"kind": "vendor", "verified": "true"}),
            ),
            HomeCount(
                _("enterprises"), enterprises, directory + "?" + urlencode({"kind": "enterprise"})
            ),
        )
    )
