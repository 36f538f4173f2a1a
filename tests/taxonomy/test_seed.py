"""The taxonomy part of `seed_demo`: the terms come first, through core's seeder registry."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from matchmaking.core import seeding
from matchmaking.taxonomy.models import TAXONOMY_MODELS, Sector
from matchmaking.taxonomy.services import seed_taxonomy

pytestmark = pytest.mark.django_db


class SeedTaxonomyTests:
    def test_the_taxonomy_seeder_runs_before_every_other_seeder(self):
        entries = seeding.seeders()
        assert entries[0][2] is seed_taxonomy
        assert all(order > entries[0][0] for order, _name, _seeder in entries[1:])

    def test_seed_demo_loads_the_taxonomy_into_an_empty_database(self, monkeypatch):
        for model in TAXONOMY_MODELS.values():
            model.objects.all().delete()
        monkeypatch.setattr(
            seeding, "_seeders", [e for e in seeding.seeders() if e[2] is seed_taxonomy]
        )
        call_command("seed_demo", stdout=io.StringIO())
        assert Sector.objects.exists()
        counts = [model.objects.count() for model in TAXONOMY_MODELS.values()]
        call_command("seed_demo", stdout=io.StringIO())
        assert [model.objects.count() for model in TAXONOMY_MODELS.values()] == counts
        assert all(counts)
