"""Offering page views are tallied in memory and written in batches — and none is lost."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError
from django.urls import reverse

from matchmaking.listings import services, view_counts
from matchmaking.listings.models import Offering
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def batched(settings):
    """Batching on (the suite writes views at once), with an empty tally before and after."""
    settings.LISTINGS_VIEW_COUNT_FLUSH_SECONDS = 3600
    view_counts.flush()
    yield
    view_counts.flush()


@pytest.fixture
def clock(monkeypatch):
    """A controllable monotonic clock for the tally's age."""
    now = [1000.0]
    monkeypatch.setattr(view_counts.time, "monotonic", lambda: now[0])
    return now


def stored(offering) -> int:
    return Offering.objects.values_list("view_count", flat=True).get(pk=offering.pk)


class BatchedViewCountTests:
    def test_views_are_tallied_then_written_in_one_flush(self, client, batched):
        """Page views add to the tally without writing; one flush writes them all, per
        offering, and leaves `updated_at` (edits, not traffic) alone."""
        first, second = factories.make_offering(), factories.make_offering()
        stamp = Offering.objects.get(pk=first.pk).updated_at
        for _ in range(3):
            assert (
                client.get(reverse("listings:offering-detail", args=[first.pk])).status_code == 200
            )
        client.get(reverse("listings:offering-detail", args=[second.pk]))
        assert stored(first) == 0 and stored(second) == 0
        assert view_counts.pending() == {first.pk: 3, second.pk: 1}

        assert view_counts.flush() == 4
        assert stored(first) == 3 and stored(second) == 1
        assert view_counts.pending() == {}
        assert Offering.objects.get(pk=first.pk).updated_at == stamp

    def test_a_view_after_the_interval_writes_the_whole_tally(self, batched, settings, clock):
        settings.LISTINGS_VIEW_COUNT_FLUSH_SECONDS = 10
        offering = factories.make_offering()
        viewer = factories.make_user()
        services.offering_record_view(offering=offering, viewer=viewer)
        clock[0] += 9
        services.offering_record_view(offering=offering, viewer=viewer)
        assert stored(offering) == 0
        clock[0] += 1  # the oldest unwritten view is now 10 s old
        services.offering_record_view(offering=offering, viewer=viewer)
        assert stored(offering) == 3
        assert view_counts.pending() == {}

    def test_a_full_tally_is_written_before_the_interval(self, batched, monkeypatch):
        monkeypatch.setattr(view_counts, "MAX_PENDING_OFFERINGS", 2)
        first, second = factories.make_offering(), factories.make_offering()
        viewer = factories.make_user()
        services.offering_record_view(offering=first, viewer=viewer)
        assert stored(first) == 0
        services.offering_record_view(offering=second, viewer=viewer)
        assert (stored(first), stored(second)) == (1, 1)

    def test_a_failed_write_keeps_every_view_for_the_next_flush(self, batched, monkeypatch):
        """Counts are not lost: a database error puts the tally back, views recorded meanwhile
        are added to it, and the next flush writes the total."""
        offering = factories.make_offering()
        viewer = factories.make_user()
        for _ in range(4):
            services.offering_record_view(offering=offering, viewer=viewer)
        real_write = view_counts._write

        def failing(batch):
            raise DatabaseError("database is locked")

        monkeypatch.setattr(view_counts, "_write", failing)
        with pytest.raises(DatabaseError):
            view_counts.flush()
        assert view_counts.pending() == {offering.pk: 4}
        services.offering_record_view(offering=offering, viewer=viewer)
        monkeypatch.setattr(view_counts, "_write", real_write)
        assert view_counts.flush() == 5
        assert stored(offering) == 5

    def test_a_page_view_never_fails_because_its_count_cannot_be_written(
        self, client, batched, settings, clock, monkeypatch
    ):
        settings.LISTINGS_VIEW_COUNT_FLUSH_SECONDS = 10
        offering = factories.make_offering()
        url = reverse("listings:offering-detail", args=[offering.pk])
        client.get(url)

        def failing(batch):
            raise DatabaseError("database is locked")

        monkeypatch.setattr(view_counts, "_write", failing)
        clock[0] += 60
        assert client.get(url).status_code == 200  # the due flush failed quietly
        assert view_counts.pending() == {offering.pk: 2}
        monkeypatch.undo()
        assert view_counts.flush() == 2
        assert stored(offering) == 2

    def test_concurrent_views_are_all_counted(self, batched):
        """The tally is shared by a process's threads: no increment is lost to a race."""
        first, second = factories.make_offering(), factories.make_offering()
        threads = [
            threading.Thread(
                target=lambda: [
                    view_counts.record(pk) for _ in range(250) for pk in (first.pk, second.pk)
                ]
            )
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert view_counts.pending() == {first.pk: 2000, second.pk: 2000}
        view_counts.flush()
        assert (stored(first), stored(second)) == (2000, 2000)

    def test_the_exit_hook_writes_what_is_left(self, batched):
        """A worker that stops normally (restart, max-requests recycling) writes its tally."""
        offering = factories.make_offering()
        view_counts.record(offering.pk)
        view_counts.record(offering.pk)
        view_counts._flush_at_exit()
        assert stored(offering) == 2
        assert view_counts.pending() == {}

    def test_the_vendors_own_and_the_platforms_views_still_do_not_count(self, client, batched):
        vendor = factories.make_organization(kind="vendor")
        offering = factories.make_offering(organization=vendor)
        url = reverse("listings:offering-detail", args=[offering.pk])
        client.force_login(vendor.memberships.get().user)
        client.get(url)
        client.force_login(factories.make_user(is_staff=True))
        client.get(url)
        assert view_counts.pending() == {}

    def test_zero_seconds_writes_each_view_at_once(self, client, settings):
        settings.LISTINGS_VIEW_COUNT_FLUSH_SECONDS = 0
        offering = factories.make_offering()
        client.get(reverse("listings:offering-detail", args=[offering.pk]))
        assert stored(offering) == 1
        assert view_counts.pending() == {}
