"""Stored suggestions: refreshed on save (inline backend), hard constraints, feedback, hooks."""

from __future__ import annotations

import pytest

from matchmaking.listings import services as listings
from matchmaking.matching import services
from matchmaking.matching.models import (
    Direction,
    LexiconTerm,
    Suggestion,
    SuggestionFeedback,
    SynonymGroup,
)
from matchmaking.matching.runtime import lexicon_extra
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_engine")]


def offering_ids_for(need) -> list[int]:
    return list(
        Suggestion.objects.for_need(need).order_by("-score").values_list("offering_id", flat=True)
    )


def need_ids_for(offering) -> list[int]:
    return list(
        Suggestion.objects.for_offering(offering)
        .order_by("-score")
        .values_list("need_id", flat=True)
    )


def post_need(organization, **fields):
    fields.setdefault("title", "信用卡中心客服热线分流")
    fields.setdefault(
        "description", "账单日来电排队严重，希望用智能客服机器人回答常见问题，减轻坐席压力。"
    )
    fields.setdefault("sectors", ["finance"])
    fields.setdefault("app_types", ["qa"])
    return listings.need_create(organization=organization, publish=True, **fields)


class RefreshOnSaveTests:
    def test_saving_a_need_refreshes_its_suggestions_inline(
        self, django_capture_on_commit_callbacks
    ):
        """Publishing a need stores its ranked offerings once the transaction commits."""
        bot = factories.make_offering()
        other = factories.make_offering(
            title="工业质检视觉平台",
            summary="产线缺陷检测",
            description="基于视觉大模型的缺陷检测与外观质检。",
            sectors=["industry"],
            app_types=["recognition"],
            tags=["质检"],
        )
        enterprise = factories.make_organization(kind="enterprise")
        with django_capture_on_commit_callbacks(execute=True):
            need = post_need(enterprise)
        ids = offering_ids_for(need)
        assert ids and ids[0] == bot.pk
        first = Suggestion.objects.for_need(need).get(offering=bot)
        assert 0 < first.score <= 100
        assert any(r["met"] for r in first.reasons)
        assert all({"code", "met", "params"} <= set(r) for r in first.reasons)
        if other.pk in ids:
            assert ids.index(other.pk) > ids.index(bot.pk)
        # …and the need entered the offering's own list (商机) too.
        assert need.pk in need_ids_for(bot)

    def test_the_first_offering_on_a_site_without_needs_is_indexed_without_error(self):
        """An empty side (no open needs yet, or no offerings yet) is a normal state, not an
        inconsistency that stops the refresh."""
        offering = factories.make_offering()
        services.suggestions_refresh_for_offering(offering=offering)
        assert need_ids_for(offering) == []
        second = factories.make_offering()
        services.suggestions_refresh_for_offering(offering=second)
        assert need_ids_for(second) == []

    def test_a_draft_need_gets_no_suggestions(self, django_capture_on_commit_callbacks):
        factories.make_offering()
        enterprise = factories.make_organization(kind="enterprise")
        with django_capture_on_commit_callbacks(execute=True):
            need = listings.need_create(
                organization=enterprise, title="客服热线", description="智能客服机器人回答常见问题"
            )
        assert not Suggestion.objects.filter(need=need).exists()

    def test_closing_a_need_removes_its_suggestions_everywhere(
        self, django_capture_on_commit_callbacks
    ):
        offering = factories.make_offering()
        enterprise = factories.make_organization(kind="enterprise")
        with django_capture_on_commit_callbacks(execute=True):
            need = post_need(enterprise)
        assert Suggestion.objects.filter(need=need).exists()
        with django_capture_on_commit_callbacks(execute=True):
            listings.need_close(need=need)
        assert not Suggestion.objects.filter(need=need).exists()
        assert need.pk not in need_ids_for(offering)

    def test_hiding_an_offering_removes_its_suggestions(
        self, django_capture_on_commit_callbacks, admin_user
    ):
        offering = factories.make_offering()
        need = factories.make_need()
        services.suggestions_refresh_for_need(need=need)
        assert offering.pk in offering_ids_for(need)
        with django_capture_on_commit_callbacks(execute=True):
            listings.offering_hide(offering=offering, by=admin_user, reason="Misleading claims")
        assert not Suggestion.objects.filter(offering=offering).exists()

    def test_a_new_offering_enters_the_lists_of_matching_needs(
        self, django_capture_on_commit_callbacks
    ):
        need = factories.make_need()
        services.suggestions_refresh_for_need(need=need)
        assert offering_ids_for(need) == []
        vendor = factories.make_organization(kind="vendor")
        with django_capture_on_commit_callbacks(execute=True):
            offering = listings.offering_create(
                organization=vendor,
                title="智能客服大模型",
                summary="金融智能客服",
                description="智能客服机器人，知识库问答，坐席辅助。",
                kind="product",
                submit=True,
                sectors=["finance"],
                app_types=["qa"],
            )
        # Pending review: not matched yet.
        assert offering_ids_for(need) == []
        offering.refresh_from_db()
        admin = factories.make_user(is_staff=True)
        with django_capture_on_commit_callbacks(execute=True):
            listings.offering_approve(offering=offering, by=admin)
        assert offering_ids_for(need) == [offering.pk]
        assert need_ids_for(offering) == [need.pk]


class HardConstraintTests:
    def test_an_offering_without_an_accepted_deployment_mode_is_never_suggested(self):
        private = factories.make_offering(deployment=["private"])
        saas_only = factories.make_offering(deployment=["saas"])
        need = factories.make_need(deployment=["private", "appliance"])
        services.suggestions_refresh_for_need(need=need)
        services.suggestions_refresh_for_offering(offering=saas_only)
        ids = offering_ids_for(need)
        assert private.pk in ids
        assert saas_only.pk not in ids
        assert need.pk not in need_ids_for(saas_only)

    def test_an_offering_priced_at_five_times_the_budget_is_excluded_and_two_times_demoted(self):
        fits = factories.make_offering(price_min=50_000, price_max=90_000)
        dear = factories.make_offering(price_min=250_000, price_max=400_000)
        far_too_dear = factories.make_offering(price_min=500_000, price_max=900_000)
        need = factories.make_need(budget_min=20_000, budget_max=100_000)
        services.suggestions_refresh_for_need(need=need)
        ids = offering_ids_for(need)
        assert far_too_dear.pk not in ids
        assert fits.pk in ids and dear.pk in ids
        demoted = Suggestion.objects.for_need(need).get(offering=dear)
        assert any(r["code"] == "price_above_budget" and not r["met"] for r in demoted.reasons)
        assert Suggestion.objects.for_need(need).get(offering=fits).score > demoted.score

    def test_the_budget_factor_is_a_setting(self, settings):
        settings.MATCHING_BUDGET_HARD_FACTOR = 10.0
        far = factories.make_offering(price_min=500_000, price_max=900_000)
        need = factories.make_need(budget_min=20_000, budget_max=100_000)
        services.suggestions_refresh_for_need(need=need)
        assert far.pk in offering_ids_for(need)

    def test_an_organizations_own_offerings_are_never_suggested_to_it(self):
        organization = factories.make_organization(kind="vendor")
        own = factories.make_offering(organization=organization)
        need = factories.make_need(organization=organization)
        services.suggestions_refresh_for_need(need=need)
        assert own.pk not in offering_ids_for(need)

    def test_closed_expired_and_hidden_needs_reach_no_offering(self):
        import datetime

        offering = factories.make_offering()
        closed = factories.make_need(status="closed")
        hidden = factories.make_need(status="hidden")
        expired = factories.make_need(expires_on=datetime.date(2020, 1, 1))
        live = factories.make_need()
        services.suggestions_refresh_for_offering(offering=offering)
        assert need_ids_for(offering) == [live.pk]
        for need in (closed, hidden, expired):
            assert services.rank_offerings_for_need(need.pk) == []

    def test_draft_and_archived_offerings_are_never_suggested(self):
        draft = factories.make_offering(status="draft")
        archived = factories.make_offering(status="archived")
        live = factories.make_offering()
        need = factories.make_need()
        services.suggestions_refresh_for_need(need=need)
        assert offering_ids_for(need) == [live.pk]
        assert draft.pk and archived.pk


class FeedbackTests:
    def test_dismissing_hides_the_suggestion_for_that_need_and_is_recorded(self):
        first = factories.make_offering()
        second = factories.make_offering()
        need = factories.make_need()
        user = factories.make_member(need.organization)
        services.suggestions_refresh_for_need(need=need)
        assert set(offering_ids_for(need)) == {first.pk, second.pk}
        services.suggestion_dismiss(
            need=need, offering=first, direction=Direction.FOR_NEED, user=user
        )
        feedback = SuggestionFeedback.objects.get()
        assert (feedback.need, feedback.offering, feedback.user) == (need, first, user)
        assert feedback.organization_id == need.organization_id
        assert offering_ids_for(need) == [second.pk]
        services.suggestions_refresh_for_need(need=need)
        services.suggestions_rebuild_all()
        assert offering_ids_for(need) == [second.pk]
        # The other side's list is not affected by the enterprise's feedback.
        assert need.pk in need_ids_for(first)

    def test_a_vendor_dismisses_a_need_from_its_offering(self):
        offering = factories.make_offering()
        need = factories.make_need()
        vendor_user = factories.make_member(offering.organization)
        services.suggestions_refresh_for_offering(offering=offering)
        services.suggestion_dismiss(
            need=need, offering=offering, direction=Direction.FOR_OFFERING, user=vendor_user
        )
        services.suggestions_refresh_for_offering(offering=offering)
        assert need_ids_for(offering) == []

    def test_only_the_owner_may_dismiss(self):
        from django.core.exceptions import PermissionDenied

        offering = factories.make_offering()
        need = factories.make_need()
        stranger = factories.make_member(factories.make_organization(kind="enterprise"))
        with pytest.raises(PermissionDenied):
            services.suggestion_dismiss(
                need=need, offering=offering, direction=Direction.FOR_NEED, user=stranger
            )
        assert not SuggestionFeedback.objects.exists()


class PrivateNeedTests:
    def test_a_private_need_enters_only_the_lists_of_vendors_that_may_see_it(self, monkeypatch):
        from matchmaking.listings.scoping import private_need_audience

        allowed = factories.make_offering()
        other = factories.make_offering()
        need = factories.make_need(visibility="private")
        monkeypatch.setattr(
            private_need_audience,
            "providers",
            lambda: [lambda org_id: [need.pk] if org_id == allowed.organization_id else []],
        )
        services.suggestions_rebuild_all()
        assert need_ids_for(allowed) == [need.pk]
        assert need_ids_for(other) == []
        services.suggestions_refresh_for_need(need=need)
        services.suggestions_refresh_for_offering(offering=other)
        assert need_ids_for(other) == []
        # The enterprise's own list still ranks every offering (it chooses whom to contact).
        assert set(offering_ids_for(need)) == {allowed.pk, other.pk}


class RebuildTests:
    def test_rebuild_stores_both_directions_and_drops_stale_rows(self):
        offering = factories.make_offering()
        need = factories.make_need()
        stale = factories.make_need(status="closed")
        Suggestion.objects.create(
            need=stale, offering=offering, direction=Direction.FOR_NEED, score=50, rank=1
        )
        counts = services.suggestions_rebuild_all()
        assert counts["needs"] == 1 and counts["offerings"] == 1
        assert offering_ids_for(need) == [offering.pk]
        assert need_ids_for(offering) == [need.pk]
        assert not Suggestion.objects.filter(need=stale).exists()


class ListenerTests:
    def test_a_new_strong_suggestion_is_announced_after_commit(
        self, settings, domain_events, django_capture_on_commit_callbacks
    ):
        settings.MATCHING_NOTIFY_SCORE = 0
        events = domain_events("suggestion_added")
        offering = factories.make_offering()
        need = factories.make_need()
        with django_capture_on_commit_callbacks(execute=True):
            services.suggestions_refresh_for_need(need=need)
        assert any(
            e["direction"] == Direction.FOR_NEED and e["offering_id"] == offering.pk for e in events
        )
        events.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.suggestions_refresh_for_need(need=need)
        assert [e for e in events if e["direction"] == Direction.FOR_NEED] == []

    def test_the_notifications_app_tells_the_owner(
        self, settings, django_capture_on_commit_callbacks
    ):
        from matchmaking.notifications.models import Notification

        settings.MATCHING_NOTIFY_SCORE = 0
        factories.make_offering()
        need = factories.make_need()
        with django_capture_on_commit_callbacks(execute=True):
            services.suggestions_refresh_for_need(need=need)
        owner = need.organization.memberships.get().user
        assert Notification.objects.filter(recipient=owner, kind="new_suggestion").exists()


class LexiconTests:
    def test_admin_synonyms_and_vocabulary_reach_the_engine(self):
        SynonymGroup.objects.create(terms="灵犀助手，智能客服")
        LexiconTerm.objects.create(kind="sector", code="finance", words="理财子公司, 信托")
        SynonymGroup.objects.create(terms="停用组, 另一词", is_active=False)
        extra = lexicon_extra()
        assert extra["synonyms"] == [["灵犀助手", "智能客服"]]
        assert list(extra["sectors"]["finance"].values()) == [["理财子公司", "信托"]]

    def test_a_synonym_added_by_an_admin_lets_different_words_match(self):
        offering = factories.make_offering(
            title="灵犀助手",
            summary="灵犀助手",
            description="灵犀助手。",
            tags=[],
            sectors=[],
            app_types=[],
        )
        need = factories.make_need(
            title="想找智能客服", description="智能客服", sectors=[], app_types=[]
        )
        before = services.rank_offerings_for_need(need.pk)[0]
        SynonymGroup.objects.create(terms="智能客服, 灵犀助手")
        after = services.rank_offerings_for_need(need.pk)[0]
        assert after.offering_id == offering.pk
        assert after.components["text"] > before.components["text"]
