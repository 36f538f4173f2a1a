"""A need's list in calibrated bands, and the honest "no strong match" state with its actions."""

from __future__ import annotations

import random

import pytest

from matchmaking.listings.browse.index import reset_indexes
from matchmaking.matching import no_match
from matchmaking.matching.models import Direction, Suggestion
from tests import factories

pytestmark = pytest.mark.django_db


def suggest(need, offering, score, rank=1):
    return Suggestion.objects.create(
        need=need,
        offering=offering,
        direction=Direction.FOR_NEED,
        score=score,
        rank=rank,
        components={"raw": score},
        reasons=[],
    )


def owner_of(listing):
    return listing.organization.memberships.get().user


def page(client, user, need) -> str:
    client.force_login(user)
    return client.get(need.get_absolute_url()).content.decode()


class BandsTests:
    def test_strong_and_possible_are_listed_weak_ones_are_hidden_behind_a_toggle(self, english):
        need = factories.make_need()
        strong = factories.make_offering(title="强匹配的客服产品")
        possible = factories.make_offering(title="可能相关的问答产品")
        weak = factories.make_offering(title="弱相关的视觉产品")
        suggest(need, strong, 82, 1)
        suggest(need, possible, 57, 2)
        suggest(need, weak, 21, 3)
        html = page(english, owner_of(need), need)
        assert "Strong match" in html and "Possibly relevant" in html
        before_toggle, after_toggle = html.split('id="weak-matches"', 1)
        assert strong.title in before_toggle and possible.title in before_toggle
        assert weak.title in after_toggle and weak.title not in before_toggle
        assert "Show 1 weaker match" in after_toggle
        assert 'id="no-good-match"' not in html


class NoGoodMatchTests:
    def test_a_need_without_a_strong_match_says_so_and_offers_the_actions(self, english):
        need = factories.make_need()
        suggest(need, factories.make_offering(), 55)
        html = page(english, owner_of(need), need)
        assert 'id="no-good-match"' in html
        assert "No strong match yet" in html
        assert "Broaden the need" in html
        assert f"/needs/{need.pk}/edit/" in html
        assert 'id="need-broadcast"' in html and 'id="need-alert"' in html

    def test_a_need_with_no_suggestion_at_all_gets_the_state_too(self, english):
        need = factories.make_need()
        html = page(english, owner_of(need), need)
        assert 'id="no-good-match"' in html and 'id="need-alert"' in html

    def test_admins_see_the_state_but_not_the_actions(self, english, admin_user):
        need = factories.make_need()
        html = page(english, admin_user, need)
        assert 'id="no-good-match"' in html
        assert 'id="need-broadcast"' not in html and 'id="need-alert"' not in html
        assert "Broaden the need" not in html

    def test_other_organizations_see_neither_the_state_nor_the_actions(self, english):
        need = factories.make_need()
        vendor = factories.make_organization(kind="vendor").memberships.get().user
        html = page(english, vendor, need)
        assert 'id="no-good-match"' not in html and 'id="need-broadcast"' not in html
        other = factories.make_organization(kind="enterprise").memberships.get().user
        html = page(english, other, need)
        assert 'id="no-good-match"' not in html and 'id="need-alert"' not in html


@pytest.fixture(params=["index", "sql"])
def counting(request, settings):
    """Relaxations counted on the browse index's columns, and in SQL (no index)."""
    settings.LISTINGS_MEMORY_INDEX = request.param == "index"
    reset_indexes()
    yield request.param
    reset_indexes()


@pytest.mark.usefixtures("counting")
class RelaxTests:
    def test_offerings_failing_only_a_must_have_are_counted(self, english):
        need = factories.make_need(requires_domestic_hw=True, deployment=("private",))
        # Fits everything but 信创: counted (twice, to check the count).
        factories.make_offering(deployment=("private",))
        factories.make_offering(deployment=("private",))
        # Meets 信创: not a relaxation.
        factories.make_offering(deployment=("private",), domestic_platforms=["昇腾"])
        # Fails 信创 *and* the deployment: relaxing 信创 alone would not bring it.
        factories.make_offering(deployment=("public_api",))
        # Another category: not close enough.
        factories.make_offering(sectors=("healthcare",), app_types=("recognition",))
        found = {r.constraint: r.count for r in no_match.relaxations(need)}
        assert found["requires_domestic_hw"] == 2
        assert found["deployment"] == 0  # the public-API one fails 信创 as well
        html = page(english, owner_of(need), need)
        assert 'id="relax-must-haves"' in html
        assert "2 offerings would fit if you relaxed a must-have" in html
        assert "domestic hardware/OS" in html

    def test_on_premises_and_filing_must_haves(self):
        vendor_with_filing = factories.make_organization(kind="vendor")
        vendor_with_filing.filing_number = "Beijing-202401"
        vendor_with_filing.save()
        need = factories.make_need(requires_on_premises=True, requires_filing=True)
        factories.make_offering(on_premises_data=True)  # no filing
        factories.make_offering(organization=vendor_with_filing)  # data leaves the premises
        factories.make_offering(organization=vendor_with_filing, on_premises_data=True)  # fits
        found = {r.constraint: r.count for r in no_match.relaxations(need)}
        assert found == {"requires_on_premises": 1, "requires_filing": 1, "budget": 0}

    def test_a_need_without_hard_constraints_has_nothing_to_relax(self):
        need = factories.make_need(budget_max=None, budget_min=None)
        factories.make_offering()
        assert no_match.relaxations(need) == []


class RelaxCountingPathsTests:
    def test_the_index_and_sql_count_the_same_on_a_random_market(self, settings):
        """Random offerings (vendors with and without a filing, 信创 or not, data on premises
        or not, prices known or not, one to three categories and modes) and random needs
        setting any mix of hard constraints: the counts on the browse index equal the SQL
        aggregate's, constraint by constraint."""
        rng = random.Random(13)
        sectors, app_types = ["finance", "healthcare", "government"], ["qa", "recognition"]
        modes = ["private", "saas", "public_api", "hybrid"]
        vendors = [factories.make_organization(kind="vendor") for _ in range(4)]
        for vendor in vendors[:2]:
            vendor.filing_number = f"Beijing-2024{vendor.pk}"
            vendor.save()
        enterprise = factories.make_organization(kind="enterprise")
        for _ in range(40):
            factories.make_offering(
                organization=rng.choice(vendors),
                sectors=rng.sample(sectors, rng.randint(0, 2)),
                app_types=rng.sample(app_types, rng.randint(0, 2)),
                deployment=rng.sample(modes, rng.randint(1, 3)),
                domestic_platforms=["昇腾"] if rng.random() < 0.4 else [],
                on_premises_data=rng.random() < 0.5,
                price_min=rng.choice([None, 50_000, 200_000, 900_000]),
                price_max=None,
            )
        factories.make_offering(organization=enterprise)  # its own: never counted
        needs = [
            factories.make_need(
                organization=enterprise,
                sectors=rng.sample(sectors, rng.randint(0, 2)),
                app_types=rng.sample(app_types, rng.randint(0, 2)),
                deployment=rng.sample(modes, rng.randint(0, 2)),
                requires_domestic_hw=rng.random() < 0.5,
                requires_on_premises=rng.random() < 0.5,
                requires_filing=rng.random() < 0.5,
                budget_max=rng.choice([None, 100_000, 400_000]),
                budget_min=None,
            )
            for _ in range(25)
        ]
        counted = {}
        for path in ("index", "sql"):
            settings.LISTINGS_MEMORY_INDEX = path == "index"
            reset_indexes()
            counted[path] = [
                [(r.constraint, r.count) for r in no_match.relaxations(need)] for need in needs
            ]
        reset_indexes()
        assert counted["index"] == counted["sql"]
        assert sum(count for found in counted["sql"] for _, count in found) > 0


class OfferingListTests:
    def test_the_vendor_sees_weak_needs_only_behind_the_toggle(self, english):
        offering = factories.make_offering()
        close = factories.make_need(title="很相关的需求")
        far = factories.make_need(title="不太相关的需求")
        for need, score, rank in ((close, 74, 1), (far, 31, 2)):
            Suggestion.objects.create(
                need=need,
                offering=offering,
                direction=Direction.FOR_OFFERING,
                score=score,
                rank=rank,
                reasons=[],
            )
        english.force_login(owner_of(offering))
        html = english.get(offering.get_absolute_url()).content.decode()
        before_toggle, after_toggle = html.split('id="weak-matches"', 1)
        assert close.title in before_toggle and "Strong match" in before_toggle
        assert far.title in after_toggle and far.title not in before_toggle


class RelaxLineWithStrongMatchTests:
    def test_the_collapsed_must_have_line_shows_beside_strong_matches_too(self, english):
        need = factories.make_need(requires_on_premises=True)
        fits = factories.make_offering(on_premises_data=True)
        factories.make_offering()  # fails only the on-premises must-have
        suggest(need, fits, 88)
        html = page(english, owner_of(need), need)
        assert 'id="no-good-match"' not in html
        assert 'id="relax-must-haves"' in html
        assert "1 offering would fit if you relaxed a must-have" in html
