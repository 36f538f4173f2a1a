"""The taxonomy is read once per process and re-read as soon as a term changes (in any
process: the version lives in the shared cache, read once per request)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matchmaking.core import shared_cache
from matchmaking.taxonomy.models import Sector
from matchmaking.taxonomy.selectors import active_terms


@pytest.mark.django_db
class ActiveTermsTests:
    def test_a_second_read_in_a_request_asks_the_database_nothing(self):
        shared_cache.begin_request()
        try:
            active_terms(Sector)
            with CaptureQueriesContext(connection) as queries:
                terms = active_terms(Sector)
        finally:
            shared_cache.end_request()
        assert len(queries) == 0
        assert [term.code for term in terms] == list(
            Sector.objects.active().values_list("code", flat=True)
        )

    def test_outside_a_request_a_read_asks_only_the_shared_version(self):
        active_terms(Sector)
        with CaptureQueriesContext(connection) as queries:
            active_terms(Sector)
        assert len(queries) == 1
        # The version: a row of the shared cache table, or on PostgreSQL its sequence.
        if connection.vendor == "postgresql":
            assert "pg_sequence_last_value" in queries[0]["sql"]
        else:
            assert shared_cache.SHARED_CACHE_TABLE in queries[0]["sql"]

    def test_a_renamed_term_is_read_again_at_once(self):
        active_terms(Sector)
        sector = Sector.objects.get(code="finance")
        sector.name_zh = "金融（新）"
        sector.save()
        assert "金融（新）" in [term.name_zh for term in active_terms(Sector)]

    def test_a_deactivated_term_leaves_and_a_new_term_arrives(self):
        active_terms(Sector)
        Sector.objects.filter(code="finance").get().delete()
        Sector.objects.create(code="space", name_zh="航天", name_en="Space")
        codes = [term.code for term in active_terms(Sector)]
        assert "finance" not in codes
        assert "space" in codes

    def test_a_term_renamed_in_the_admin_shows_in_the_browse_filters(self, client):
        client.get(reverse("listings:offering-list"))
        sector = Sector.objects.get(code="finance")
        sector.name_zh = "金融服务业"
        sector.save()
        assert "金融服务业" in client.get(reverse("listings:offering-list")).content.decode()
