"""The notification centre, settings and saved-search pages belong to their user alone."""

from __future__ import annotations

from matchmaking.notifications import services
from matchmaking.notifications.models import Notification, NotificationPreference, SavedSearch
from tests import factories


def _item(user, url="/connections/"):
    return Notification.objects.create(
        recipient=user, kind="case_published", title="新案例", url=url
    )


class NotificationCentreTests:
    def test_lists_only_my_notifications_with_the_unread_count(self, client, db):
        me, other = factories.make_user(), factories.make_user()
        _item(me)
        Notification.objects.create(recipient=other, kind="case_published", title="别人的通知")
        client.force_login(me)
        response = client.get("/notifications/")
        html = response.content.decode()
        assert "新案例" in html and "别人的通知" not in html
        assert response.context["unread_count"] == 1

    def test_opening_marks_read_and_follows_the_link(self, client, db):
        me = factories.make_user()
        item = _item(me, url="/connections/5/")
        client.force_login(me)
        response = client.get(f"/notifications/{item.pk}/open/")
        assert response.url == "/connections/5/"
        item.refresh_from_db()
        assert item.is_read

    def test_external_links_are_not_followed(self, client, db):
        me = factories.make_user()
        item = _item(me, url="https://evil.example.net/")
        client.force_login(me)
        assert client.get(f"/notifications/{item.pk}/open/").url == "/notifications/"

    def test_mark_all_read(self, client, db):
        me = factories.make_user()
        _item(me), _item(me)
        client.force_login(me)
        client.post("/notifications/read-all/")
        assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()

    def test_someone_elses_notification_is_not_found(self, client, db):
        item = _item(factories.make_user())
        client.force_login(factories.make_user())
        assert client.post(f"/notifications/{item.pk}/read/").status_code == 404
        assert client.get(f"/notifications/{item.pk}/open/").status_code == 404

    def test_nav_badge_shows_the_unread_count(self, client, db):
        from django.template.loader import render_to_string
        from django.test import RequestFactory

        me = factories.make_user()
        _item(me), _item(me)
        request = RequestFactory().get("/")
        request.user = me
        html = render_to_string(
            "notifications/includes/nav_badge.html", {"user": me, "request": request}
        )
        assert 'data-unread-count="2"' in html

    def test_visitors_are_sent_to_sign_in(self, client, db):
        assert client.get("/notifications/").status_code == 302


class PreferencesViewTests:
    def test_saving_preferences(self, client, db):
        me = factories.make_user()
        client.force_login(me)
        data = services.preferences_for(me) | {"message_received": "daily", "case_published": "off"}
        client.post("/notifications/preferences/", data)
        assert services.preferences_for(me)["message_received"] == "daily"
        assert services.preferences_for(me)["case_published"] == "off"

    def test_unknown_frequency_is_an_error_and_nothing_is_saved(self, client, db):
        me = factories.make_user()
        client.force_login(me)
        data = services.preferences_for(me) | {"message_received": "hourly"}
        response = client.post("/notifications/preferences/", data)
        assert "message_received" in response.context["form"].errors
        assert not NotificationPreference.objects.exists()


class SavedSearchViewTests:
    def test_save_a_browse_pages_filters(self, client, db):
        me = factories.make_user()
        client.force_login(me)
        url = "/notifications/saved-searches/new/?target=offerings&q=客服&page=2"
        form = client.get(url).context["form"]
        assert form.initial["target"] == "offerings" and "page" not in form.initial["query"]
        response = client.post(
            url,
            {
                "name": "客服",
                "target": "offerings",
                "query": form.initial["query"],
                "frequency": "weekly",
            },
        )
        assert response.status_code == 302
        search = SavedSearch.objects.get()
        assert (search.user, search.frequency) == (me, "weekly")
        assert "q=" in search.query

    def test_cannot_delete_someone_elses_search(self, client, db):
        search = services.saved_search_create(
            user=factories.make_user(), name="x", target="needs", query=""
        )
        client.force_login(factories.make_user())
        assert client.post(f"/notifications/saved-searches/{search.pk}/delete/").status_code == 404
        assert SavedSearch.objects.filter(pk=search.pk).exists()

    def test_delete_my_search(self, client, db):
        me = factories.make_user()
        search = services.saved_search_create(user=me, name="x", target="needs", query="")
        client.force_login(me)
        client.post(f"/notifications/saved-searches/{search.pk}/delete/")
        assert not SavedSearch.objects.exists()
