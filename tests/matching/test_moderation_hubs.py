"""The moderation queue lists the offerings suggested to the most needs (matching's panel):
whatever text a vendor writes to be found by every need, an offering it works for shows there."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from matchmaking.matching.models import Direction, Suggestion
from matchmaking.matching.selectors import suggestion_hubs
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return factories.make_user(email="staff@example.com", is_staff=True)


def listed(need, offering, rank, direction=Direction.FOR_NEED):
    return Suggestion.objects.create(
        need=need,
        offering=offering,
        direction=direction,
        score=90 - rank,
        rank=rank,
        components={"raw": 90 - rank},
        reasons=[],
    )


@pytest.fixture
def market():
    needs = [factories.make_need(title=f"需求{i}") for i in range(4)]
    hub = factories.make_offering(title="大模型业务场景应用解决方案")
    niche = factories.make_offering(title="银行智能客服")
    deep = factories.make_offering(title="排在第七")
    for need in needs[:3]:
        listed(need, hub, 1)
    listed(needs[3], niche, 2)
    for need in needs:
        listed(need, deep, 7)  # on every list, never in the first five
        listed(need, niche, 1, direction=Direction.FOR_OFFERING)  # the vendor's side: not counted
    return needs, hub, niche, deep


def test_admins_see_the_offerings_in_the_first_five_of_the_most_needs(client, staff, market):
    needs, hub, niche, deep = market
    hubs, total = suggestion_hubs(staff)
    assert total == 4
    assert [(h.offering, h.needs, h.share) for h in hubs] == [(hub, 3, 0.75), (niche, 1, 0.25)]
    client.force_login(staff)
    html = client.get(reverse("listings:moderation-queue")).content.decode()
    assert "被推荐给最多需求的供给" in html
    assert f'<tr data-offering="{hub.pk}"><td><a href="{hub.get_absolute_url()}">' in html
    assert "75%" in html
    assert f'data-offering="{deep.pk}"' not in html


def test_closed_needs_and_hidden_offerings_do_not_count(staff, market):
    needs, hub, niche, _deep = market
    needs[0].status = "closed"
    needs[0].save(update_fields=["status"])
    niche.status = "hidden"
    niche.save(update_fields=["status"])
    hubs, total = suggestion_hubs(staff)
    assert total == 3
    assert [(h.offering, h.needs) for h in hubs] == [(hub, 2)]


def test_nobody_else_gets_the_figures(client, vendor_owner, enterprise_owner, market):
    _needs, hub, _niche, _deep = market
    hub_vendor = factories.make_member(hub.organization)
    for user in (vendor_owner, enterprise_owner, hub_vendor):
        assert suggestion_hubs(user) == ([], 0)
        client.force_login(user)
        response = client.get(reverse("listings:moderation-queue"))
        assert response.status_code in (403, 404)
        assert "被推荐给最多需求的供给" not in response.content.decode()


# --- offerings the matcher demotes for reaching every need (engine/hubs.py) ------------------


@pytest.fixture
def echo_market(fresh_engine):
    """aligned-2 imported with the probe's 22-word need echo, and the engine fitted on it."""
    import json

    from django.conf import settings

    from matchmaking.listings.io.importer import import_data
    from matchmaking.matching.runtime import holder
    from tools.bench.gaming import GAME_REF, echo_offering, game_org

    path = settings.BASE_DIR / "fixtures" / "matching-aligned-2.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["organizations"].append(game_org())
    data["offerings"].append(echo_offering(data, 22))
    assert import_data(data).ok
    holder.get()
    from matchmaking.listings.models import Offering

    return Offering.objects.get(ref=GAME_REF)


def test_admins_see_the_offerings_the_matcher_demotes_with_the_points(client, staff, echo_market):
    from matchmaking.matching.selectors import demoted_hubs

    demoted = demoted_hubs(staff)
    assert demoted[0].offering == echo_market
    assert demoted[0].points == 25.0  # hype_penalty × a full severity
    # listings written by others lose far less (aligned-2's broadest one 5.5 points)
    assert all(item.points < 25.0 / 4 for item in demoted[1:])
    client.force_login(staff)
    html = client.get(reverse("listings:moderation-queue")).content.decode()
    assert "因与所有需求都相近而被降权" in html
    assert (
        f'<tr data-offering="{echo_market.pk}"><td><a href="{echo_market.get_absolute_url()}">'
        in html
    )


def test_nobody_else_sees_the_demoted_offerings(echo_market):
    from matchmaking.matching.selectors import demoted_hubs

    vendor = echo_market.organization.memberships.first()
    users = [factories.make_user(email="buyer@example.com"), None]
    if vendor is not None:
        users.append(vendor.user)
    for user in users:
        assert demoted_hubs(user if user is not None else AnonymousUser()) == []


def test_without_an_open_engine_the_list_is_empty(staff, fresh_engine):
    from matchmaking.matching.selectors import demoted_hubs

    assert demoted_hubs(staff) == []
