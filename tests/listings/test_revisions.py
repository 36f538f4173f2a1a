"""Revisions: edits of live listings wait for review while the live version stays public."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from matchmaking.listings import revisions, services
from matchmaking.listings.models import ListingRevision, Need, Offering
from tests import factories

pytestmark = pytest.mark.django_db

DESCRIPTION = "基于大模型的智能客服机器人，支持知识库问答、坐席辅助和通话小结，适合银行信用卡中心。"


@pytest.fixture
def live(vendor):
    return factories.make_offering(
        organization=vendor, title="智能客服平台", description=DESCRIPTION, price_min=100_000
    )


class OfferingRevisionTests:
    def test_a_price_change_waits_for_review_and_the_live_offering_stays_published(
        self, live, vendor_member
    ):
        """The live row keeps its price and status; the revision holds the new price."""
        services.offering_update(offering=live, price_min=150_000, proposed_by=vendor_member)
        live.refresh_from_db()
        assert (live.status, live.price_min) == ("published", 100_000)
        revision = services.pending_revision(live)
        assert revision.changes == {"price_min": 150_000}
        assert revision.proposed_by == vendor_member
        assert Offering.objects.published().filter(pk=live.pk).exists()

    def test_a_further_edit_updates_the_one_pending_revision(self, live):
        services.offering_update(offering=live, price_min=150_000)
        services.offering_update(offering=live, sectors=["finance", "healthcare"])
        assert ListingRevision.objects.filter(offering=live).count() == 1
        revision = services.pending_revision(live)
        assert set(revision.changes) == {"price_min", "sectors"}

    def test_reverting_every_change_withdraws_the_revision(self, live):
        services.offering_update(offering=live, price_min=150_000)
        services.offering_update(offering=live, price_min=100_000)
        assert services.pending_revision(live) is None
        assert ListingRevision.objects.get().status == "withdrawn"

    def test_approval_replaces_the_live_values(self, live, staff):
        services.offering_update(
            offering=live, price_min=150_000, price_max=600_000, app_types=["qa", "data_analysis"]
        )
        revision = services.pending_revision(live)
        services.revision_approve(revision=revision, by=staff)
        live.refresh_from_db()
        assert (live.price_min, live.price_max) == (150_000, 600_000)
        assert set(live.app_types.values_list("code", flat=True)) == {"qa", "data_analysis"}
        revision.refresh_from_db()
        assert revision.status == "approved"
        assert revision.previous["price_min"] == 100_000
        assert revision.decided_by == staff

    def test_rejection_keeps_the_live_values_and_the_reason(self, live, staff):
        services.offering_update(offering=live, title="全新的名字完全不同的产品")
        revision = services.pending_revision(live)
        with pytest.raises(ValidationError):
            services.revision_reject(revision=revision, by=staff, reason="  ")
        services.revision_reject(revision=revision, by=staff, reason="名称与功能不符")
        live.refresh_from_db()
        assert live.title == "智能客服平台"
        revision.refresh_from_db()
        assert (revision.status, revision.reason) == ("rejected", "名称与功能不符")

    def test_only_platform_admins_decide(self, live, vendor_member):
        services.offering_update(offering=live, price_min=1)
        revision = services.pending_revision(live)
        with pytest.raises(PermissionDenied):
            services.revision_approve(revision=revision, by=vendor_member)
        with pytest.raises(PermissionDenied):
            services.revision_reject(revision=revision, by=vendor_member, reason="x")
        assert services.pending_revision(live) is not None

    def test_the_vendor_withdraws_but_another_organization_cannot(
        self, live, vendor_member, other_vendor_member
    ):
        services.offering_update(offering=live, price_min=1)
        revision = services.pending_revision(live)
        with pytest.raises(PermissionDenied):
            services.revision_withdraw(revision=revision, by=other_vendor_member)
        services.revision_withdraw(revision=revision, by=vendor_member)
        revision.refresh_from_db()
        assert revision.status == "withdrawn"

    def test_invalid_input_raises_and_nothing_is_recorded(self, live):
        with pytest.raises(ValidationError) as error:
            services.offering_update(offering=live, price_min=900, price_max=10)
        assert "price_max" in error.value.message_dict
        assert not ListingRevision.objects.exists()

    def test_archiving_drops_the_pending_revision(self, live):
        services.offering_update(offering=live, price_min=1)
        services.offering_archive(offering=live)
        assert services.pending_revision(live) is None

    def test_new_screenshots_wait_with_the_revision_and_join_on_approval(
        self, live, staff, settings, tmp_path
    ):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from matchmaking.core.images import process_image

        settings.MEDIA_ROOT = tmp_path
        image = process_image(SimpleUploadedFile("s.png", factories.image_bytes(), "image/png"))
        services.offering_update(offering=live, screenshots=[image])
        assert live.screenshots.count() == 0
        revision = services.pending_revision(live)
        assert revision.screenshots.count() == 1
        services.revision_approve(revision=revision, by=staff)
        assert live.screenshots.count() == 1

    def test_drafts_are_changed_directly(self, vendor):
        draft = factories.make_offering(organization=vendor, status="draft")
        services.offering_update(offering=draft, price_min=1)
        draft.refresh_from_db()
        assert draft.price_min == 1
        assert not ListingRevision.objects.exists()


class MinorEditThresholdTests:
    def test_a_typo_fix_goes_live_at_once(self, live):
        """Two characters in the description: below the threshold, no revision."""
        fixed = DESCRIPTION.replace("通话小结", "通话总结")
        services.offering_update(offering=live, description=fixed)
        live.refresh_from_db()
        assert live.description == fixed
        assert not ListingRevision.objects.exists()

    def test_a_rewrite_of_the_description_waits_for_review(self, live):
        changed = DESCRIPTION + "另外提供二十四小时人工坐席兜底服务与专属客户经理。"
        services.offering_update(offering=live, description=changed)
        live.refresh_from_db()
        assert live.description == DESCRIPTION
        assert services.pending_revision(live).changes == {"description": changed}

    def test_small_edits_add_up_against_the_reviewed_text(self, live, staff):
        """Each step is small, but the drift from what a moderator saw is measured."""
        text = DESCRIPTION
        for number in range(1, 12):
            text = text.replace(text[number * 3], "改", 1)
            services.offering_update(offering=live, description=text)
        assert services.pending_revision(live) is not None

    def test_a_one_character_change_to_a_keyword_list_is_material(self, live):
        services.offering_update(offering=live, tags=["智能客服", "知识库", "新"])
        assert services.pending_revision(live) is not None

    def test_a_short_field_may_not_be_replaced(self, live):
        """Three characters are within the total but beyond 10 % of a short title."""
        services.offering_update(offering=live, title="智能问答平台台")
        assert services.pending_revision(live) is not None

    def test_edit_distance(self):
        assert revisions.edit_distance("通话小结", "通话总结") == 1
        assert revisions.edit_distance("abc", "abcdef") == 3
        assert revisions.edit_distance("", "x" * 50, limit=20) == 50


class NeedRevisionPolicyTests:
    def _reviewed(self, enterprise, staff, **fields):
        need = factories.make_need(organization=enterprise, **fields)
        services.need_approve(need=need, by=staff)
        need.refresh_from_db()
        return need

    def test_an_unverified_organizations_material_edit_is_a_revision(self, enterprise, staff):
        need = self._reviewed(enterprise, staff, budget_max=1_000_000)
        services.need_update(need=need, budget_max=3_000_000, sectors=["finance", "government"])
        need.refresh_from_db()
        assert need.budget_max == 1_000_000
        revision = services.pending_revision(need)
        assert set(revision.changes) == {"budget_max", "sectors"}
        services.revision_approve(revision=revision, by=staff)
        need.refresh_from_db()
        assert need.budget_max == 3_000_000
        assert need.reviewed_at is not None

    def test_a_verified_organizations_edit_goes_live_and_back_to_the_queue(self, enterprise, staff):
        enterprise.verified_at = timezone.now()
        enterprise.verification_status = "verified"
        enterprise.save()
        need = self._reviewed(enterprise, staff)
        assert enterprise.is_verified
        services.need_update(need=need, budget_max=3_000_000)
        need.refresh_from_db()
        assert need.budget_max == 3_000_000
        assert not ListingRevision.objects.exists()
        assert Need.objects.awaiting_review().filter(pk=need.pk).exists()

    def test_a_need_not_yet_reviewed_is_edited_directly(self, enterprise):
        need = factories.make_need(organization=enterprise)
        services.need_update(need=need, budget_max=3_000_000)
        need.refresh_from_db()
        assert need.budget_max == 3_000_000
        assert not ListingRevision.objects.exists()

    def test_a_typo_fix_of_a_reviewed_need_stays_reviewed(self, enterprise, staff):
        need = self._reviewed(enterprise, staff)
        services.need_update(need=need, description=need.description.replace("严重", "严峻"))
        need.refresh_from_db()
        assert "严峻" in need.description
        assert not Need.objects.awaiting_review().filter(pk=need.pk).exists()
        assert not ListingRevision.objects.exists()

    def test_closing_drops_the_pending_revision(self, enterprise, staff):
        need = self._reviewed(enterprise, staff)
        services.need_update(need=need, budget_max=3_000_000)
        services.need_close(need=need)
        assert services.pending_revision(need) is None


def _form_data(offering, **overrides):
    data = {
        "title": offering.title,
        "summary": offering.summary,
        "description": offering.description,
        "kind": offering.kind_id,
        "layer": offering.layer_id or "",
        "sectors": list(offering.sectors.values_list("pk", flat=True)),
        "app_types": list(offering.app_types.values_list("pk", flat=True)),
        "deployment_modes": list(offering.deployment_modes.values_list("pk", flat=True)),
        "price_min": offering.price_min or "",
        "price_max": offering.price_max or "",
        "price_unit": offering.price_unit,
        "regions": "，".join(offering.regions),
        "tags": "，".join(offering.tags),
    }
    data.update(overrides)
    return data


class RevisionPageTests:
    def test_editing_a_live_offering_in_the_form_keeps_it_public(self, client, live, vendor_member):
        """The form's save creates a revision; visitors still open the old version; the
        vendor sees the pending state on the page, in the form and in its listings."""
        client.force_login(vendor_member)
        response = client.post(
            reverse("listings:offering-edit", args=[live.pk]), _form_data(live, price_min=180000)
        )
        assert response.status_code == 302
        live.refresh_from_db()
        assert live.price_min == 100_000
        revision = services.pending_revision(live)
        assert revision.changes == {"price_min": 180_000}
        page = client.get(live.get_absolute_url()).content.decode()
        assert 'id="revision-state"' in page and "¥180,000" in page
        form = client.get(reverse("listings:offering-edit", args=[live.pk]))
        assert form.context["form"].initial["price_min"] == 180_000
        assert (
            "revision-pending-badge"
            in client.get(reverse("listings:my-offerings")).content.decode()
        )
        client.logout()
        public = client.get(live.get_absolute_url())
        assert public.status_code == 200
        assert "revision-state" not in public.content.decode()

    def test_the_moderator_sees_the_diff_and_approves(self, client, live, staff):
        services.offering_update(offering=live, price_min=180_000, sectors=["healthcare"])
        client.force_login(staff)
        queue = client.get(reverse("listings:moderation-queue")).content.decode()
        assert 'data-field="price_min"' in queue and "¥100,000" in queue and "¥180,000" in queue
        assert 'data-field="sectors"' in queue and "医疗" in queue
        revision = services.pending_revision(live)
        detail = client.get(revision.get_absolute_url())
        assert detail.status_code == 200
        client.post(reverse("listings:revision-approve", args=[revision.pk]))
        live.refresh_from_db()
        assert live.price_min == 180_000

    def test_a_declined_revision_shows_its_reason_to_the_vendor(
        self, client, live, staff, vendor_member
    ):
        services.offering_update(offering=live, price_min=180_000)
        revision = services.pending_revision(live)
        client.force_login(staff)
        response = client.post(reverse("listings:revision-reject", args=[revision.pk]), {})
        assert services.pending_revision(live) is not None  # a reason is required
        client.post(reverse("listings:revision-reject", args=[revision.pk]), {"reason": "价格不实"})
        assert services.pending_revision(live) is None
        client.force_login(vendor_member)
        response = client.get(live.get_absolute_url())
        assert "价格不实" in response.content.decode()

    def test_the_vendor_withdraws_from_the_page(self, client, live, vendor_member):
        services.offering_update(offering=live, price_min=180_000)
        revision = services.pending_revision(live)
        client.force_login(vendor_member)
        client.post(reverse("listings:revision-withdraw", args=[revision.pk]))
        revision.refresh_from_db()
        assert revision.status == "withdrawn"

    def test_a_need_edit_of_an_unverified_enterprise_waits_for_review(
        self, client, enterprise, enterprise_member, staff
    ):
        need = factories.make_need(organization=enterprise, budget_max=1_000_000)
        services.need_approve(need=need, by=staff)
        client.force_login(enterprise_member)
        data = {
            "title": need.title,
            "description": need.description,
            "data_availability": "none",
            "visibility": "public",
            "budget_min": need.budget_min,
            "budget_max": 5_000_000,
            "region": need.region,
            "sectors": list(need.sectors.values_list("pk", flat=True)),
            "app_types": list(need.app_types.values_list("pk", flat=True)),
        }
        response = client.post(reverse("listings:need-edit", args=[need.pk]), data)
        assert response.status_code == 302
        need.refresh_from_db()
        assert need.budget_max == 1_000_000
        assert services.pending_revision(need).changes == {"budget_max": 5_000_000}


class RevisionNotificationTests:
    def test_the_vendor_is_told_of_a_declined_revision_with_the_reason(
        self, live, staff, vendor_member, django_capture_on_commit_callbacks, settings
    ):
        from matchmaking.notifications.models import Notification

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        services.offering_update(offering=live, price_min=180_000)
        with django_capture_on_commit_callbacks(execute=True):
            services.revision_reject(
                revision=services.pending_revision(live), by=staff, reason="价格不实"
            )
        notification = Notification.objects.get(recipient=vendor_member)
        assert notification.kind == "revision_decided"
        assert notification.url == live.get_absolute_url()
        assert live.title in notification.title


class NeedRevisionPageTests:
    def test_the_need_page_reads_the_revision_state_only_when_the_need_has_revisions(self, client):
        """The page marks in its need query whether any revision exists (task 17q): without
        one it skips the revision read; with a pending one its members see it, a visitor
        does not."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        need = factories.make_need(reviewed_at=timezone.now())
        owner = need.organization.memberships.get().user
        client.force_login(owner)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(need.get_absolute_url()).content.decode()
        assert 'id="revision-state"' not in page
        assert not [
            q
            for q in captured.captured_queries
            if "listings_listingrevision" in q["sql"] and "EXISTS" not in q["sql"]
        ]
        services.need_update(need=need, proposed_by=owner, budget_max=3_000_000)
        assert services.pending_revision(need) is not None
        page = client.get(need.get_absolute_url()).content.decode()
        assert 'id="revision-state"' in page
        client.logout()
        public = client.get(need.get_absolute_url()).content.decode()
        assert 'id="revision-state"' not in public
