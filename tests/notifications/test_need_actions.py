"""A need with no strong match: tell the vendors of close offerings, or get an alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from matchmaking.matching.models import Direction, Suggestion
from matchmaking.notifications import services
from matchmaking.notifications.choices import Frequency, NotificationKind
from matchmaking.notifications.models import NeedBroadcast, Notification, SavedSearch
from tests import factories

pytestmark = pytest.mark.django_db


def owner_of(listing):
    return listing.organization.memberships.get().user


def suggest(need, offering, score=40.0):
    Suggestion.objects.create(
        need=need, offering=offering, direction=Direction.FOR_NEED, score=score, rank=1
    )


class BroadcastTests:
    def test_the_vendors_of_suggested_offerings_are_told_without_the_posters_name(self):
        enterprise = factories.make_organization(kind="enterprise", name="保密银行股份有限公司")
        need = factories.make_need(organization=enterprise, visibility="anonymous")
        close = factories.make_offering()
        suggest(need, close)
        unrelated = factories.make_offering(sectors=("healthcare",), app_types=("recognition",))
        sent = services.need_broadcast(need=need, user=owner_of(need))
        assert sent.vendors == 1
        told = Notification.objects.get(recipient=owner_of(close))
        assert told.kind == NotificationKind.NEED_SHARED
        assert told.url == need.get_absolute_url()
        assert need.title in told.title and close.title in told.title
        assert "保密银行" not in told.title + told.body
        assert not Notification.objects.filter(recipient=owner_of(unrelated)).exists()

    def test_without_suggestions_vendors_in_the_needs_categories_are_told(self):
        need = factories.make_need()
        same_category = factories.make_offering()
        other_category = factories.make_offering(
            sectors=("healthcare",), app_types=("recognition",)
        )
        services.need_broadcast(need=need, user=owner_of(need))
        assert Notification.objects.filter(recipient=owner_of(same_category)).exists()
        assert not Notification.objects.filter(recipient=owner_of(other_category)).exists()

    def test_a_private_need_reaches_only_vendors_allowed_to_see_it(self):
        need = factories.make_need(visibility="private")
        close = factories.make_offering()
        suggest(need, close)
        sent = services.need_broadcast(need=need, user=owner_of(need))
        assert sent.vendors == 0
        assert not Notification.objects.filter(recipient=owner_of(close)).exists()

    def test_once_per_cooldown(self):
        need = factories.make_need()
        suggest(need, factories.make_offering())
        services.need_broadcast(need=need, user=owner_of(need))
        with pytest.raises(ValidationError):
            services.need_broadcast(need=need, user=owner_of(need))
        NeedBroadcast.objects.update(
            created_at=timezone.now() - timedelta(days=services.NEED_BROADCAST_COOLDOWN_DAYS + 1)
        )
        services.need_broadcast(need=need, user=owner_of(need))
        assert NeedBroadcast.objects.filter(need=need).count() == 2

    def test_only_the_needs_own_members_may_do_it(self):
        need = factories.make_need()
        vendor = factories.make_organization(kind="vendor").memberships.get().user
        with pytest.raises(PermissionDenied):
            services.need_broadcast(need=need, user=vendor)
        assert not NeedBroadcast.objects.exists()

    def test_the_view_answers_403_to_another_org_and_404_for_a_hidden_need(self, client):
        need = factories.make_need()
        url = reverse("notifications:need-broadcast", args=[need.pk])
        client.force_login(factories.make_organization(kind="vendor").memberships.get().user)
        assert client.post(url).status_code == 403
        private = factories.make_need(visibility="private")
        response = client.post(reverse("notifications:need-broadcast", args=[private.pk]))
        assert response.status_code == 404
        assert not NeedBroadcast.objects.exists()

    def test_the_view_tells_the_vendors_and_the_page_says_when(self, english):
        need = factories.make_need()
        suggest(need, factories.make_offering())
        english.force_login(owner_of(need))
        response = english.post(
            reverse("notifications:need-broadcast", args=[need.pk]), follow=True
        )
        html = response.content.decode()
        assert "1 vendor with a close offering was told about your need." in html
        assert "was told on" in html
        assert 'id="need-broadcast"' not in html


class AlertTests:
    def test_the_alert_is_a_saved_search_of_the_needs_categories_and_deployment(self):
        need = factories.make_need(deployment=("private",))
        search = services.need_alert_create(need=need, user=owner_of(need))
        assert search.target == "offerings" and search.frequency == Frequency.DAILY
        assert "sector=finance" in search.query and "app_type=qa" in search.query
        assert "deployment=private" in search.query
        # Asking again keeps one.
        assert services.need_alert_create(need=need, user=owner_of(need)) == search

    def test_the_alert_fires_when_a_fitting_offering_is_published(self):
        need = factories.make_need(deployment=("private",))
        user = owner_of(need)
        search = services.need_alert_create(need=need, user=user)
        SavedSearch.objects.filter(pk=search.pk).update(
            last_checked_at=timezone.now() - timedelta(minutes=1)
        )
        factories.make_offering(sectors=("healthcare",), app_types=("recognition",))
        services.send_digests(frequency=Frequency.DAILY)
        assert not Notification.objects.filter(
            recipient=user, kind=NotificationKind.SAVED_SEARCH_MATCH
        ).exists()
        SavedSearch.objects.filter(pk=search.pk).update(
            last_checked_at=timezone.now() - timedelta(minutes=1)
        )
        fitting = factories.make_offering(title="私有化部署的金融问答", deployment=("private",))
        services.send_digests(frequency=Frequency.DAILY)
        alert = Notification.objects.get(recipient=user, kind=NotificationKind.SAVED_SEARCH_MATCH)
        assert fitting.title in alert.body

    def test_only_the_needs_own_members_may_create_it(self, client):
        need = factories.make_need()
        vendor = factories.make_organization(kind="vendor").memberships.get().user
        with pytest.raises(PermissionDenied):
            services.need_alert_create(need=need, user=vendor)
        client.force_login(vendor)
        assert client.post(reverse("notifications:need-alert", args=[need.pk])).status_code == 403
        assert not SavedSearch.objects.exists()

    def test_the_view_saves_it_and_the_page_links_to_saved_searches(self, english):
        need = factories.make_need()
        english.force_login(owner_of(need))
        response = english.post(reverse("notifications:need-alert", args=[need.pk]), follow=True)
        html = response.content.decode()
        assert "You will be alerted when a fitting offering is published." in html
        assert reverse("notifications:saved-search-list") in html
        assert 'id="need-alert"' not in html
        assert SavedSearch.objects.filter(user=owner_of(need)).count() == 1
