"""The navigation's unread count is kept per process under the user's notifications revision
(``services.unread_count``) and is never stale: every write of a user's notifications moves
the revision in its transaction.

Each write runs "in another process": this process's cache is put back as it was before the
write, so only the revision read from the database can make the next page right."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matchmaking.accounts.models import User
from matchmaking.notifications import services
from matchmaking.notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def elsewhere(write):
    local = caches["default"]
    saved = (dict(local._cache), dict(local._expire_info))
    result = write()
    local._cache.clear()
    local._cache.update(saved[0])
    local._expire_info.clear()
    local._expire_info.update(saved[1])
    return result


def badge(client) -> str:
    """The unread count the navigation shows on a signed-in page."""
    html = client.get("/").content.decode()
    return re.search(r'data-unread-count="(\d+)"', html)[1]


def tell(user, title="新的对接请求"):
    return services.notify(recipients=[user], kind="case_published", url="/", title=title)[0]


@pytest.fixture
def reader(client):
    user = factories.make_user()
    client.force_login(user)
    return user


class UnreadCountTests:
    def test_a_repeated_page_does_not_count_again(self, client, reader):
        tell(reader)
        assert badge(client) == "1"
        with CaptureQueriesContext(connection) as captured:
            assert badge(client) == "1"
        assert not [
            q for q in captured.captured_queries if "notifications_notification" in q["sql"]
        ]

    def test_a_new_notification_shows_on_the_next_page(self, client, reader):
        assert badge(client) == "0"
        elsewhere(lambda: tell(reader))
        assert badge(client) == "1"

    def test_reading_one_or_all_shows_on_the_next_page(self, client, reader):
        first, second, third = tell(reader), tell(reader), tell(reader)
        assert badge(client) == "3"
        elsewhere(lambda: services.notification_mark_read(notification=first, user=reader))
        assert badge(client) == "2"
        assert client.post(reverse("notifications:mark-read", args=[second.pk])).status_code == 302
        assert badge(client) == "1"
        elsewhere(lambda: services.notifications_mark_all_read(user=reader))
        assert badge(client) == "0"
        assert third.pk

    def test_a_deleted_notification_shows_on_the_next_page(self, client, reader):
        item = tell(reader)
        assert badge(client) == "1"
        elsewhere(item.delete)  # the admin's path, and cascades
        assert badge(client) == "0"

    def test_each_user_has_their_own_count(self, client, reader):
        tell(reader)
        assert badge(client) == "1"
        other = factories.make_user()
        client.force_login(other)
        assert badge(client) == "0"

    def test_a_write_in_the_same_request_is_counted_fresh(self, rf, reader):
        """A request whose user object was loaded before it wrote the user's notifications
        (its revision is the older one) counts again."""
        from matchmaking.notifications.templatetags.notifications import (
            unread_notification_count,
        )

        request = rf.get("/")
        request.user = User.objects.get(pk=reader.pk)
        services.forget_revised()
        assert unread_notification_count({"request": request}) == 0
        tell(request.user)
        assert unread_notification_count({"request": request}) == 1

    def test_a_save_of_a_user_read_earlier_does_not_move_the_revision_back(self, reader):
        stale = User.objects.get(pk=reader.pk)
        tell(reader)
        moved = User.objects.values_list("notifications_revision", flat=True).get(pk=reader.pk)
        stale.full_name = "新名字"
        stale.save()
        reader.refresh_from_db()
        assert reader.full_name == "新名字" and reader.notifications_revision == moved
        assert Notification.objects.filter(recipient=reader).count() == 1


class NotificationCentreCountTests:
    def test_the_centre_counts_unread_once_with_the_navigation_and_stays_fresh(
        self, client, reader
    ):
        tell(reader), tell(reader)
        url = reverse("notifications:centre")
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).content.decode()
        unread_counts = [
            q["sql"]
            for q in captured.captured_queries
            if "notifications_notification" in q["sql"]
            and "COUNT(" in q["sql"].upper()
            and '"read_at" IS NULL' in q["sql"]
        ]
        # The tab's count is the navigation's, counted once (the paginator's count is apart).
        assert len(unread_counts) == 1
        assert "未读（2）" in page and 'data-unread-count="2"' in page
        elsewhere(lambda: tell(reader))
        assert "未读（3）" in client.get(url).content.decode()
