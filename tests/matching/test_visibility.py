"""A private need never reaches a vendor who may not see it — in any page or output."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from matchmaking.listings.scoping import private_need_audience
from matchmaking.matching import services
from matchmaking.matching.models import Suggestion
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_engine")]

SECRET = "机密：行内反洗钱可疑交易智能客服核查"


@pytest.fixture
def world(monkeypatch):
    allowed = factories.make_offering(ref="o-allowed", title="反洗钱智能客服")
    denied = factories.make_offering(ref="o-denied", title="金融智能客服平台")
    need = factories.make_need(
        ref="n-secret",
        visibility="private",
        title=SECRET,
        description="可疑交易核查与客户问答，智能客服机器人。",
    )
    public = factories.make_need(ref="n-public")
    monkeypatch.setattr(
        private_need_audience,
        "providers",
        lambda: [lambda org_id: [need.pk] if org_id == allowed.organization_id else []],
    )
    services.suggestions_rebuild_all()
    services.suggestions_refresh_for_need(need=need)
    services.suggestions_refresh_for_offering(offering=denied)
    services.suggestions_refresh_for_offering(offering=allowed)
    return {"allowed": allowed, "denied": denied, "need": need, "public": public}


def vendor_user(offering):
    return offering.organization.memberships.get().user


class PrivateNeedTests:
    def test_the_denied_vendor_sees_it_nowhere_in_html(self, client, world):
        denied = world["denied"]
        client.force_login(vendor_user(denied))
        pages = [
            reverse("matching:opportunities"),
            denied.get_absolute_url(),
            reverse("connections:dashboard"),
            reverse("listings:need-list"),
            "/",
        ]
        for url in pages:
            html = client.get(url).content.decode()
            assert SECRET not in html, url
        assert client.get(world["need"].get_absolute_url()).status_code == 404
        # …while it does see the public need it matches.
        html = client.get(reverse("matching:opportunities")).content.decode()
        assert world["public"].title in html

    def test_the_allowed_vendor_sees_it(self, client, world):
        allowed = world["allowed"]
        client.force_login(vendor_user(allowed))
        assert SECRET in client.get(reverse("matching:opportunities")).content.decode()
        assert SECRET in client.get(allowed.get_absolute_url()).content.decode()

    def test_no_stored_suggestion_links_it_to_the_denied_vendor_s_list(self, world):
        assert (
            not Suggestion.objects.for_offering(world["denied"]).filter(need=world["need"]).exists()
        )

    def test_suggest_matches_never_lists_it_for_the_denied_offering(self, world):
        out = StringIO()
        call_command("suggest_matches", "--offering", "o-denied", "--format", "json", stdout=out)
        refs = [m["need"] for m in json.loads(out.getvalue())[0]["matches"]]
        assert "n-secret" not in refs and "n-public" in refs
        out = StringIO()
        call_command("suggest_matches", "--offering", "o-allowed", "--format", "json", stdout=out)
        assert "n-secret" in [m["need"] for m in json.loads(out.getvalue())[0]["matches"]]

    def test_a_stale_row_is_still_filtered_when_read(self, client, world):
        """Even if a suggestion row were left over, pages read needs through visible_to."""
        Suggestion.objects.create(
            need=world["need"], offering=world["denied"], direction="offering", score=99, rank=1
        )
        client.force_login(vendor_user(world["denied"]))
        for url in (reverse("matching:opportunities"), world["denied"].get_absolute_url()):
            assert SECRET not in client.get(url).content.decode()
