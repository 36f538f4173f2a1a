"""The listings part of `seed_demo`: demo listings and the synthetic volume world."""

from __future__ import annotations

import json

import pytest

from matchmaking.accounts.demo import seed_accounts
from matchmaking.accounts.models import Organization
from matchmaking.core.seeding import seeders
from matchmaking.listings.demo import DEMO_FIXTURE, seed_listings, synthetic_world
from matchmaking.listings.io.importer import import_data
from matchmaking.listings.models import Need, Offering

pytestmark = pytest.mark.django_db

NO_VOLUME = {"offerings": 0, "needs": 0, "seed": 20231201, "verbosity": 1}


@pytest.fixture
def demo_organizations(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed_accounts(dict(NO_VOLUME), None)


def snapshot():
    return (
        sorted(Offering.objects.values_list("ref", "updated_at")),
        sorted(Need.objects.values_list("ref", "updated_at")),
    )


class DemoListingsTests:
    def test_the_listings_seeder_is_registered_after_accounts(self):
        orders = {name.rsplit(".", 1)[-1]: order for order, name, _seeder in seeders()}
        assert orders["seed_listings"] == 20
        assert orders["seed_accounts"] < orders["seed_listings"]

    def test_the_demo_listings_are_created_for_the_demo_organizations(self, demo_organizations):
        lines = seed_listings(dict(NO_VOLUME), None)
        data = json.loads(DEMO_FIXTURE.read_text(encoding="utf-8"))
        assert Offering.objects.filter(ref__startswith="demo-o-").count() == len(data["offerings"])
        assert Need.objects.filter(ref__startswith="demo-n-").count() == len(data["needs"])
        shown = Offering.objects.filter(ref__startswith="demo-o-", status="published").count()
        hidden = len(data["offerings"]) - shown
        assert hidden == 1  # the fixture keeps one draft, which no browse page shows
        # The report says how many of them the pages show (the rest are drafts).
        assert lines == [f"Listings: {len(data['offerings'])} demo offerings ({shown} published, "
                         f"{hidden} draft) and {len(data['needs'])} demo needs "
                         f"({len(data['needs'])} open) added."]  # fmt: skip
        offering = Offering.objects.get(ref="demo-o-xianyuan-pinshang")
        assert offering.organization.ref == "demo-v-xianyuan"
        assert offering.status == "published"
        assert Need.objects.get(ref="demo-n-bank-credit").visibility == "private"
        assert Need.objects.filter(ref__startswith="demo-n-", visibility="anonymous").exists()

    def test_seeding_again_changes_nothing(self, demo_organizations):
        seed_listings(dict(NO_VOLUME), None)
        before = snapshot()
        assert seed_listings(dict(NO_VOLUME), None) == []
        assert snapshot() == before

    def test_without_the_demo_organizations_nothing_is_created(self):
        lines = seed_listings(dict(NO_VOLUME), None)
        assert Offering.objects.count() == Need.objects.count() == 0
        assert "no demo listings created" in lines[0]

    def test_the_demo_fixture_covers_every_sector_and_application_type(self):
        data = json.loads(DEMO_FIXTURE.read_text(encoding="utf-8"))
        sectors = {c for section in ("offerings", "needs") for r in data[section]
                   for c in r["sectors"]}  # fmt: skip
        app_types = {c for section in ("offerings", "needs") for r in data[section]
                     for c in r["app_types"]}  # fmt: skip
        assert sectors == {"government", "finance", "healthcare", "industry",
                           "culture_tourism", "smart_city"}  # fmt: skip
        assert app_types == {"content_generation", "qa", "it_support", "data_analysis",
                             "recognition", "hardware"}  # fmt: skip
        assert {r["kind"] for r in data["offerings"]} == {"product", "compute", "data", "service"}

    def test_the_demo_fixture_is_a_valid_llm_match_file(self, demo_organizations):
        report = import_data(DEMO_FIXTURE, dry_run=True)
        assert report.ok, report.errors


class VolumeTests:
    options = {"offerings": 200, "needs": 50, "seed": 7, "verbosity": 1}

    def test_the_synthetic_world_has_the_requested_counts(self):
        lines = seed_listings(dict(self.options), None)
        assert Offering.objects.filter(ref__startswith="syn-o-").count() == 200
        assert Need.objects.filter(ref__startswith="syn-n-").count() == 50
        assert Organization.objects.filter(ref__startswith="syn-v-").exists()
        assert Organization.objects.filter(ref__startswith="syn-e-").exists()
        assert "200 offerings, 50 needs" in lines[-1]
        offering = Offering.objects.get(ref="syn-o-000001")
        assert offering.status == "published"
        assert offering.search_text and offering.regions_index.startswith("|")
        assert offering.app_types.exists()

    def test_synthetic_texts_vary_and_are_of_a_believable_length(self):
        data = synthetic_world(offerings=300, needs=60, seed=3)
        titles = {record["title"] for record in data["offerings"]}
        assert len(titles) > 150
        lengths = [len(record["description"]) for record in data["offerings"]]
        assert min(lengths) >= 100 and max(lengths) <= 400
        assert len({record["description"] for record in data["needs"]}) == 60

    def test_seeding_the_volume_again_adds_nothing(self):
        seed_listings(dict(self.options), None)
        before = snapshot()
        lines = seed_listings(dict(self.options), None)
        assert snapshot() == before
        assert "nothing added" in lines[-1]

    def test_a_larger_request_adds_only_the_missing_records(self):
        seed_listings(dict(self.options), None)
        seed_listings({**self.options, "offerings": 260}, None)
        assert Offering.objects.filter(ref__startswith="syn-o-").count() == 260
