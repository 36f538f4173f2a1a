"""Writes for needs and offerings: lifecycle, validation, moderation, near-duplicates."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from matchmaking.core.images import process_image
from matchmaking.listings import services
from matchmaking.listings.models import Need, Offering
from matchmaking.listings.selectors import needs_expiring_soon
from tests import factories

pytestmark = pytest.mark.django_db


def _need(enterprise, **fields):
    fields.setdefault("title", "客服热线分流")
    fields.setdefault("description", "来电排队严重，希望用智能客服回答常见问题。")
    return services.need_create(organization=enterprise, **fields)


def _offering(vendor, **fields):
    fields.setdefault("title", "智能客服平台")
    fields.setdefault("summary", "金融行业智能客服")
    fields.setdefault("description", "基于大模型的客服机器人，支持知识库问答。")
    fields.setdefault("kind", "product")
    return services.offering_create(organization=vendor, **fields)


def _png(name="shot.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return process_image(SimpleUploadedFile(name, factories.image_bytes(), "image/png"))


class NeedLifecycleTests:
    def test_a_new_need_is_a_draft_with_its_search_text(self, enterprise):
        """need_create stores a draft and fills the denormalised search text."""
        need = _need(enterprise, sectors=["finance"], success_metric="八成问题自动解答")
        assert need.status == "draft"
        assert "八成问题自动解答" in need.search_text
        assert list(need.sectors.values_list("code", flat=True)) == ["finance"]

    def test_publishing_opens_the_need_for_the_default_lifetime(self, enterprise, settings):
        """Without a deadline, an opened need expires NEED_DEFAULT_LIFETIME_DAYS later."""
        need = services.need_publish(need=_need(enterprise))
        assert need.status == "open"
        assert need.published_at is not None
        expected = timezone.localdate() + timedelta(days=settings.NEED_DEFAULT_LIFETIME_DAYS)
        assert need.expires_on == expected

    def test_a_deadline_is_the_expiry_day(self, enterprise):
        deadline = timezone.localdate() + timedelta(days=10)
        need = _need(enterprise, deadline=deadline, publish=True)
        assert need.expires_on == deadline

    def test_budget_minimum_above_maximum_is_refused_at_the_field(self, enterprise):
        with pytest.raises(ValidationError) as error:
            _need(enterprise, budget_min=500, budget_max=100)
        assert "budget_max" in error.value.message_dict
        assert not Need.objects.exists()

    def test_a_deadline_in_the_past_is_refused(self, enterprise):
        with pytest.raises(ValidationError) as error:
            _need(enterprise, deadline=timezone.localdate() - timedelta(days=1))
        assert "deadline" in error.value.message_dict
        assert not Need.objects.exists()

    def test_an_unknown_sector_code_is_refused_at_the_field(self, enterprise):
        with pytest.raises(ValidationError) as error:
            _need(enterprise, sectors=["finance", "astrology"])
        assert "sectors" in error.value.message_dict
        assert not Need.objects.exists()

    def test_vendors_cannot_post_needs(self, vendor):
        with pytest.raises(ValidationError):
            _need(vendor)

    def test_a_failed_update_keeps_the_saved_need(self, enterprise):
        """Nothing already saved is lost when an edit is refused."""
        need = _need(enterprise, budget_min=100, budget_max=200)
        with pytest.raises(ValidationError):
            services.need_update(need=need, title="新标题", budget_min=900, budget_max=100)
        need.refresh_from_db()
        assert (need.title, need.budget_min, need.budget_max) == ("客服热线分流", 100, 200)

    def test_an_unchanged_past_deadline_does_not_block_other_edits(self, enterprise):
        need = factories.make_need(
            organization=enterprise, status="expired", deadline=timezone.localdate() - timedelta(5)
        )
        services.need_update(need=need, title="改个标题")
        need.refresh_from_db()
        assert need.title == "改个标题"

    def test_closing_records_whether_the_need_was_fulfilled(self, enterprise):
        need = _need(enterprise, publish=True)
        assert services.need_close(need=need, fulfilled=True).status == "fulfilled"
        other = _need(enterprise, publish=True)
        assert services.need_close(need=other).status == "closed"

    def test_expire_due_expires_only_needs_past_their_day(self, enterprise):
        old = _need(enterprise, publish=True)
        Need.objects.filter(pk=old.pk).update(expires_on=timezone.localdate() - timedelta(1))
        fresh = _need(enterprise, publish=True)
        assert services.need_expire_due() == 1
        old.refresh_from_db()
        fresh.refresh_from_db()
        assert (old.status, fresh.status) == ("expired", "open")

    def test_renewing_an_expired_need_reopens_it(self, enterprise, settings):
        need = _need(enterprise, publish=True)
        Need.objects.filter(pk=need.pk).update(status="expired", deadline=timezone.localdate())
        need.refresh_from_db()
        renewed = services.need_renew(need=need)
        assert renewed.status == "open"
        assert renewed.deadline is None
        assert renewed.expires_on == timezone.localdate() + timedelta(
            days=settings.NEED_DEFAULT_LIFETIME_DAYS
        )

    def test_renewing_to_a_past_deadline_is_refused(self, enterprise):
        need = _need(enterprise, publish=True)
        with pytest.raises(ValidationError):
            services.need_renew(need=need, deadline=timezone.localdate() - timedelta(days=1))

    def test_expire_needs_command_warns_once_then_expires(self, enterprise, settings):
        """Posters get one email a few days before expiry; past-day needs expire."""
        creator = enterprise.memberships.get().user
        soon = _need(enterprise, created_by=creator, publish=True)
        Need.objects.filter(pk=soon.pk).update(expires_on=timezone.localdate() + timedelta(2))
        gone = _need(enterprise, publish=True)
        Need.objects.filter(pk=gone.pk).update(expires_on=timezone.localdate() - timedelta(1))
        assert list(needs_expiring_soon(settings.NEED_EXPIRY_WARNING_DAYS)) == [soon]

        call_command("expire_needs", stdout=io.StringIO())
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == [creator.email]
        assert f"/needs/{soon.pk}/" in mail.outbox[0].body
        gone.refresh_from_db()
        assert gone.status == "expired"

        call_command("expire_needs", stdout=io.StringIO())
        assert len(mail.outbox) == 1


class NeedModerationTests:
    def test_admins_hide_a_need_with_a_reason(self, enterprise, staff):
        need = _need(enterprise, publish=True)
        services.need_hide(need=need, by=staff, reason="含联系方式")
        need.refresh_from_db()
        assert (need.status, need.moderation_reason) == ("hidden", "含联系方式")

    def test_hiding_needs_a_reason(self, enterprise, staff):
        need = _need(enterprise, publish=True)
        with pytest.raises(ValidationError):
            services.need_hide(need=need, by=staff, reason="  ")

    def test_members_cannot_moderate(self, enterprise, enterprise_member):
        need = _need(enterprise, publish=True)
        with pytest.raises(PermissionDenied):
            services.need_hide(need=need, by=enterprise_member, reason="x")
        with pytest.raises(PermissionDenied):
            services.need_approve(need=need, by=enterprise_member)

    def test_approving_marks_the_need_reviewed(self, enterprise, staff):
        need = _need(enterprise, publish=True)
        assert list(Need.objects.awaiting_review()) == [need]
        services.need_approve(need=need, by=staff)
        assert not Need.objects.awaiting_review().exists()


class OfferingLifecycleTests:
    def test_draft_submit_approve_publishes(self, vendor, staff):
        offering = _offering(vendor)
        assert offering.status == "draft"
        services.offering_submit(offering=offering)
        assert offering.status == "pending"
        services.offering_approve(offering=offering, by=staff)
        assert offering.status == "published"
        assert offering.published_at is not None

    def test_only_admins_approve(self, vendor, vendor_member):
        offering = _offering(vendor, submit=True)
        with pytest.raises(PermissionDenied):
            services.offering_approve(offering=offering, by=vendor_member)
        offering.refresh_from_db()
        assert offering.status == "pending"

    def test_enterprises_cannot_list_offerings(self, enterprise):
        with pytest.raises(ValidationError):
            _offering(enterprise)

    def test_search_text_includes_keywords_and_vendor_name(self, vendor):
        offering = _offering(vendor, tags=["坐席辅助"], regions=["北京", "天津"])
        assert "坐席辅助" in offering.search_text
        assert vendor.name in offering.search_text
        assert offering.regions_index == "|北京|天津|"

    def test_a_material_edit_of_a_published_offering_waits_as_a_revision(self, vendor, staff):
        """The offering stays published with its price; the new price waits for review."""
        offering = _offering(vendor, submit=True)
        services.offering_approve(offering=offering, by=staff)
        services.offering_update(offering=offering, price_min=1, price_max=2)
        offering.refresh_from_db()
        assert offering.status == "published"
        assert offering.price_min is None
        assert services.pending_revision(offering).changes == {"price_min": 1, "price_max": 2}

    def test_changing_categories_is_material(self, vendor, staff):
        offering = _offering(vendor, submit=True, sectors=["finance"])
        services.offering_approve(offering=offering, by=staff)
        services.offering_update(offering=offering, sectors=["finance", "healthcare"])
        offering.refresh_from_db()
        assert offering.status == "published"
        assert list(offering.sectors.values_list("code", flat=True)) == ["finance"]
        assert "sectors" in services.pending_revision(offering).changes

    def test_keywords_and_regions_are_reviewed_too(self, vendor, staff):
        """They feed search and matching, so they wait for review like categories."""
        offering = _offering(vendor, submit=True, sectors=["finance"])
        services.offering_approve(offering=offering, by=staff)
        services.offering_update(
            offering=offering, tags=["新关键词"], regions=["全国"], sectors=["finance"]
        )
        offering.refresh_from_db()
        assert offering.status == "published"
        assert "新关键词" not in offering.search_text
        assert set(services.pending_revision(offering).changes) == {"tags", "regions"}

    def test_price_minimum_above_maximum_is_refused_and_nothing_changes(self, vendor):
        offering = _offering(vendor, price_min=10, price_max=20)
        with pytest.raises(ValidationError) as error:
            services.offering_update(offering=offering, title="改", price_min=50, price_max=20)
        assert "price_max" in error.value.message_dict
        offering.refresh_from_db()
        assert (offering.title, offering.price_min) == ("智能客服平台", 10)

    def test_hidden_offerings_keep_the_reason_for_the_vendor(self, vendor, staff):
        offering = _offering(vendor, submit=True)
        services.offering_hide(offering=offering, by=staff, reason="截图含他人商标")
        offering.refresh_from_db()
        assert (offering.status, offering.moderation_reason) == ("hidden", "截图含他人商标")
        services.offering_submit(offering=offering)
        services.offering_approve(offering=offering, by=staff)
        offering.refresh_from_db()
        assert (offering.status, offering.moderation_reason) == ("published", "")

    def test_vendors_archive_their_offerings(self, vendor):
        offering = services.offering_archive(offering=_offering(vendor))
        assert offering.status == "archived"


class ScreenshotTests:
    def test_at_most_six_screenshots(self, vendor):
        offering = _offering(vendor)
        services.offering_add_screenshots(offering=offering, images=[_png() for _ in range(5)])
        with pytest.raises(ValidationError) as error:
            services.offering_add_screenshots(offering=offering, images=[_png(), _png()])
        assert "screenshots" in error.value.message_dict
        assert offering.screenshots.count() == 5

    def test_removing_a_screenshot(self, vendor):
        offering = _offering(vendor)
        [shot] = services.offering_add_screenshots(offering=offering, images=[_png()])
        services.offering_remove_screenshot(screenshot=shot)
        assert not offering.screenshots.exists()


class NearDuplicateTests:
    def test_nearly_identical_text_from_the_same_vendor_is_flagged(self, vendor):
        first = _offering(
            vendor, description="基于大模型的客服机器人，支持知识库问答、坐席辅助与通话小结。"
        )
        second = _offering(
            vendor, description="基于大模型的客服机器人，支持知识库问答、坐席辅助与通话小结！"
        )
        assert second.near_duplicate_of_id == first.pk

    def test_different_text_is_not_flagged(self, vendor):
        _offering(vendor)
        other = _offering(
            vendor, title="GPU 算力租赁", summary="A800 集群", description="按卡时计费的训练算力。"
        )
        assert other.near_duplicate_of_id is None

    def test_other_vendors_copies_are_not_flagged_here(self, vendor):
        _offering(vendor)
        other_vendor = factories.make_organization(kind="vendor")
        copy = _offering(other_vendor)
        assert copy.near_duplicate_of_id is None

    def test_jaccard_of_character_trigrams(self):
        a = services.shingles("智能客服机器人")
        assert services.jaccard(a, a) == 1.0
        assert services.jaccard(a, services.shingles("算力租赁服务")) == 0.0


def test_writes_invalidate_cached_counts(vendor, staff):
    """Services bump the listings cache version, so facet counts never go stale."""
    from matchmaking.listings.caching import listings_version

    before = listings_version()
    offering = _offering(vendor, submit=True)
    services.offering_approve(offering=offering, by=staff)
    assert listings_version() > before
    assert Offering.objects.published().count() == 1
