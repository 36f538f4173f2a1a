"""Lists inside a sentence use the language's separator: 、 in Chinese, ", " in English
(a need's accepted deployment modes read "Private deployment, Appliance", not "…、…")."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


def test_a_needs_deployment_modes_are_separated_in_the_pages_language(english):
    need = factories.make_need(
        deployment=("private", "appliance"), sectors=("finance", "government")
    )
    owner = need.organization.memberships.get().user
    english.force_login(owner)
    html = english.get(need.get_absolute_url()).content.decode()
    assert "Private deployment, Appliance" in html or "Appliance, Private deployment" in html
    chinese = Client()
    chinese.force_login(owner)
    text = chinese.get(need.get_absolute_url()).content.decode()
    assert "私有化部署、一体机" in text or "一体机、私有化部署" in text
