"""Notifications follow each user's preference; digests group what is waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from matchmaking.notifications import services
from matchmaking.notifications.models import Notification, SavedSearch
from tests import factories


def _case_notify(users, title="大模型在银行的应用"):
    return services.notify(
        recipients=users, kind="case_published", url="/cases/1/", context={"case": title}
    )


class NotifyPreferenceTests:
    def test_instant_kind_creates_an_item_and_emails_after_commit(
        self, db, mailoutbox, django_capture_on_commit_callbacks
    ):
        user = factories.make_user(preferred_language="en")
        services.preferences_update(user=user, frequencies={"case_published": "instant"})
        with django_capture_on_commit_callbacks(execute=True):
            [item] = _case_notify([user])
        assert item.delivery == "instant"
        assert len(mailoutbox) == 1 and mailoutbox[0].to == [user.email]
        assert "New case: 大模型在银行的应用" in mailoutbox[0].subject
        assert "http://" in mailoutbox[0].body and "/cases/1/" in mailoutbox[0].body
        item.refresh_from_db()
        assert item.emailed_at is not None

    def test_no_email_when_the_transaction_rolls_back(
        self, db, mailoutbox, django_capture_on_commit_callbacks
    ):
        user = factories.make_user()
        services.preferences_update(user=user, frequencies={"case_published": "instant"})
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            _case_notify([user])
        assert callbacks and not mailoutbox

    @pytest.mark.parametrize("frequency", ["daily", "weekly"])
    def test_digest_kind_creates_an_item_but_no_instant_email(
        self, db, mailoutbox, frequency, django_capture_on_commit_callbacks
    ):
        user = factories.make_user()
        services.preferences_update(user=user, frequencies={"case_published": frequency})
        with django_capture_on_commit_callbacks(execute=True):
            [item] = _case_notify([user])
        assert item.delivery == frequency and not mailoutbox

    def test_off_produces_nothing(self, db, mailoutbox, django_capture_on_commit_callbacks):
        user = factories.make_user()
        services.preferences_update(user=user, frequencies={"case_published": "off"})
        with django_capture_on_commit_callbacks(execute=True):
            assert _case_notify([user]) == []
        assert not Notification.objects.exists() and not mailoutbox

    def test_defaults_are_instant_for_connections_and_daily_for_cases(self, db):
        prefs = services.preferences_for(factories.make_user())
        assert prefs["request_received"] == prefs["message_received"] == "instant"
        assert prefs["new_suggestion"] == prefs["case_published"] == "daily"

    def test_email_is_rendered_in_each_recipients_language(
        self, db, mailoutbox, django_capture_on_commit_callbacks
    ):
        english = factories.make_user(preferred_language="en")
        chinese = factories.make_user(preferred_language="zh-hans")
        for user in (english, chinese):
            services.preferences_update(user=user, frequencies={"new_suggestion": "instant"})
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(
                recipients=[english, chinese],
                kind="new_suggestion",
                url="/needs/1/",
                context={"listing": "客服热线分流", "suggestion": "智能客服大模型", "score": 91},
            )
        by_recipient = {m.to[0]: m for m in mailoutbox}
        assert "A new strong match" in by_recipient[english.email].subject
        assert set(by_recipient) == {english.email, chinese.email}

    def test_each_recipient_once_and_inactive_users_skipped(self, db):
        user = factories.make_user()
        inactive = factories.make_user()
        inactive.is_active = False
        inactive.save()
        assert len(_case_notify([user, user, inactive])) == 1

    def test_connection_events_follow_preferences(
        self, db, mailoutbox, django_capture_on_commit_callbacks
    ):
        """A vendor member who turned requests off gets nothing; one on daily gets an item only."""
        from matchmaking.connections import services as connection_services

        vendor = factories.make_organization(kind="vendor")
        owner = vendor.memberships.get().user
        daily = factories.make_member(vendor)
        off = factories.make_member(vendor)
        services.preferences_update(user=daily, frequencies={"request_received": "daily"})
        services.preferences_update(user=off, frequencies={"request_received": "off"})
        enterprise = factories.make_organization(kind="enterprise")
        with django_capture_on_commit_callbacks(execute=True):
            connection_services.connection_request(
                user=enterprise.memberships.get().user,
                offering=factories.make_offering(organization=vendor),
                message="x",
            )
        kinds = dict(Notification.objects.values_list("recipient", "delivery"))
        assert kinds == {owner.pk: "instant", daily.pk: "daily"}
        assert [m.to for m in mailoutbox] == [[owner.email]]


class DigestTests:
    def test_digest_groups_a_users_items_by_kind_into_one_email(self, db, mailoutbox):
        user = factories.make_user(preferred_language="en")
        other = factories.make_user()
        services.preferences_update(
            user=user, frequencies={"case_published": "daily", "new_suggestion": "daily"}
        )
        services.preferences_update(user=other, frequencies={"case_published": "weekly"})
        _case_notify([user, other], title="案例一")
        _case_notify([user], title="案例二")
        services.notify(
            recipients=[user],
            kind="new_suggestion",
            url="/n/",
            context={"listing": "需求甲", "suggestion": "方案乙"},
        )
        sent = services.send_digests(frequency="daily")
        assert sent == 1 and len(mailoutbox) == 1
        email = mailoutbox[0]
        assert email.to == [user.email]
        assert "3 updates" in email.subject
        body = email.body
        assert body.count("== ") == 2  # one section per kind
        assert body.index("案例一") < body.index("案例二")
        assert "方案乙" in body or "需求甲" in body
        # Sent items are not sent again; the weekly user's item waits for the weekly run.
        assert services.send_digests(frequency="daily") == 0
        assert (
            Notification.objects.filter(recipient=other, digest_sent_at__isnull=True).count() == 1
        )
        assert services.send_digests(frequency="weekly") == 1
        assert mailoutbox[-1].to == [other.email]

    def test_instant_items_never_appear_in_a_digest(self, db, mailoutbox):
        user = factories.make_user()
        services.preferences_update(user=user, frequencies={"case_published": "instant"})
        _case_notify([user])
        mailoutbox.clear()
        assert services.send_digests(frequency="daily") == 0

    def test_command_sends_the_digest(self, db, mailoutbox):
        user = factories.make_user()
        _case_notify([user])  # daily by default
        call_command("send_digests", "--frequency", "daily")
        assert len(mailoutbox) == 1


class SavedSearchTests:
    def test_saved_search_matches_new_listings_in_the_digest(self, db, mailoutbox):
        user = factories.make_user(preferred_language="en")
        search = services.saved_search_create(
            user=user, name="金融客服", target="offerings", query="", frequency="daily"
        )
        SavedSearch.objects.filter(pk=search.pk).update(
            last_checked_at=timezone.now() - timedelta(hours=1)
        )
        new = factories.make_offering(title="新的金融客服模型")
        old = factories.make_offering(title="旧的模型")
        type(old).objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=3))
        assert services.send_digests(frequency="daily") == 1
        body = mailoutbox[0].body
        assert new.title in body and old.title not in body
        search.refresh_from_db()
        assert search.last_checked_at is not None
        # Nothing new since: no digest.
        assert services.send_digests(frequency="daily") == 0

    def test_saved_search_with_compliance_facets_alerts_only_on_matching_offerings(
        self, db, mailoutbox
    ):
        """信创 / on premises / 备案 are stored in the saved filters and honoured by its alerts."""
        user = factories.make_user(preferred_language="en")
        search = services.saved_search_create(
            user=user,
            name="信创备案",
            target="offerings",
            query="domestic=true&filed=true&on_premises=true&page=2",
        )
        assert search.query == "domestic=true&filed=true&on_premises=true"
        SavedSearch.objects.filter(pk=search.pk).update(
            last_checked_at=timezone.now() - timedelta(hours=1)
        )
        filed = factories.make_organization(kind="vendor")
        filed.filing_number = "Beijing-WangXin-2024-0100"
        filed.save()
        fits = dict(domestic_platforms=["昇腾"], on_premises_data=True)
        factories.make_offering(organization=filed, title="信创本地备案模型", **fits)
        factories.make_offering(title="未备案的信创模型", **fits)
        factories.make_offering(
            organization=filed, title="备案但非信创", domestic_platforms=[], on_premises_data=True
        )
        factories.make_offering(
            organization=filed, title="信创但数据出域", domestic_platforms=["鲲鹏"]
        )
        assert services.send_digests(frequency="daily") == 1
        body = mailoutbox[0].body
        assert "信创本地备案模型" in body
        for other in ("未备案的信创模型", "备案但非信创", "信创但数据出域"):
            assert other not in body

    def test_saved_search_respects_what_the_user_may_see(self, db, mailoutbox):
        user = factories.make_user()
        search = services.saved_search_create(user=user, name="需求", target="needs", query="")
        SavedSearch.objects.filter(pk=search.pk).update(
            last_checked_at=timezone.now() - timedelta(hours=1)
        )
        factories.make_need(title="公开的需求")
        factories.make_need(title="私密的需求", visibility="private")
        services.send_digests(frequency="daily")
        body = mailoutbox[0].body
        assert "公开的需求" in body and "私密的需求" not in body

    def test_paging_noise_is_dropped_from_the_saved_filters(self, db):
        user = factories.make_user()
        search = services.saved_search_create(
            user=user, name="x", target="offerings", query="page=3&q=客服&csrfmiddlewaretoken=abc"
        )
        assert "page" not in search.query and "csrf" not in search.query
        assert "q=" in search.query

    def test_duplicate_name_is_refused(self, db):
        from django.core.exceptions import ValidationError

        user = factories.make_user()
        services.saved_search_create(user=user, name="x", target="offerings", query="")
        with pytest.raises(ValidationError):
            services.saved_search_create(user=user, name="x", target="needs", query="")
