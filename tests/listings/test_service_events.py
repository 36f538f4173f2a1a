"""The listings services announce each committed write once (need_saved, offering_saved,
revision_decided), and nothing when the write is rolled back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import transaction
from django.utils import timezone

from matchmaking.listings.models import Need, Offering
from matchmaking.listings.services import moderation, needs, offerings
from tests import factories

pytestmark = pytest.mark.django_db


class NeedEventTests:
    def test_creating_a_need_emits_need_saved_once(
        self, domain_events, django_capture_on_commit_callbacks
    ):
        received = domain_events("need_saved")
        organization = factories.make_organization(kind="enterprise")
        with django_capture_on_commit_callbacks(execute=True):
            need = needs.need_create(
                organization=organization,
                title="客服热线分流",
                description="账单日来电排队严重。",
                sectors=["finance"],
                app_types=["qa"],
                publish=True,
            )
        assert received == [{"need_id": need.pk, "created": True}]

    def test_each_later_write_emits_once(self, domain_events, django_capture_on_commit_callbacks):
        need = factories.make_need()
        received = domain_events("need_saved")
        with django_capture_on_commit_callbacks(execute=True):
            needs.need_update(need=need, title="新标题：客服热线分流", sectors=["finance"])
        with django_capture_on_commit_callbacks(execute=True):
            needs.need_close(need=need)
        assert received == [{"need_id": need.pk, "created": False}] * 2

    def test_a_rolled_back_write_emits_nothing(
        self, domain_events, django_capture_on_commit_callbacks
    ):
        need = factories.make_need()
        received = domain_events("need_saved")
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            needs.need_close(need=need)
            raise RuntimeError("the surrounding request failed")
        assert received == []

    def test_expiring_needs_emits_once_per_expired_need(
        self, domain_events, django_capture_on_commit_callbacks
    ):
        due = factories.make_need(expires_on=timezone.localdate() - timedelta(days=1))
        factories.make_need(expires_on=timezone.localdate() + timedelta(days=5))
        received = domain_events("need_saved")
        with django_capture_on_commit_callbacks(execute=True):
            assert needs.need_expire_due() == 1
        assert received == [{"need_id": due.pk, "created": False}]


class OfferingEventTests:
    def test_creating_and_archiving_an_offering_emit_offering_saved_once_each(
        self, domain_events, django_capture_on_commit_callbacks
    ):
        received = domain_events("offering_saved")
        vendor = factories.make_organization(kind="vendor")
        with django_capture_on_commit_callbacks(execute=True):
            offering = offerings.offering_create(
                organization=vendor,
                title="智能客服平台",
                summary="银行客服",
                description="基于大模型的客服机器人。",
                kind="product",
                submit=True,
            )
        with django_capture_on_commit_callbacks(execute=True):
            offerings.offering_archive(offering=offering)
        assert received == [
            {"offering_id": offering.pk, "created": True},
            {"offering_id": offering.pk, "created": False},
        ]

    def test_a_declined_revision_emits_revision_decided_and_no_offering_saved(
        self, admin_user, domain_events, django_capture_on_commit_callbacks
    ):
        offering = factories.make_offering()
        offerings.offering_update(
            offering=offering, description="全新的产品描述，完全不同的内容。" * 5
        )
        revision = offering.revisions.pending().get()
        decided = domain_events("revision_decided")
        saved = domain_events("offering_saved")
        with django_capture_on_commit_callbacks(execute=True):
            moderation.revision_reject(revision=revision, by=admin_user, reason="不实宣传")
        assert decided == [{"revision_id": revision.pk}]
        assert saved == []


class _SavedForm:
    """What ModelAdmin.save_related needs of a form whose instance was just saved."""

    def __init__(self, instance):
        self.instance = instance

    def save_m2m(self):
        pass


class AdminEventTests:
    def test_an_admin_edit_is_announced_like_a_service_write(
        self, rf, admin_user, domain_events, django_capture_on_commit_callbacks
    ):
        need, offering = factories.make_need(), factories.make_offering()
        need_events = domain_events("need_saved")
        offering_events = domain_events("offering_saved")
        request = rf.post("/admin/")
        request.user = admin_user
        with django_capture_on_commit_callbacks(execute=True):
            admin.site._registry[Need].save_related(request, _SavedForm(need), [], True)
            admin.site._registry[Offering].save_related(request, _SavedForm(offering), [], False)
        assert need_events == [{"need_id": need.pk, "created": False}]
        assert offering_events == [{"offering_id": offering.pk, "created": True}]
