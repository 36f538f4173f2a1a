"""The case workflow: vendors write and submit, admins score, publish, return and feature."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from matchmaking.cases import services
from matchmaking.cases.choices import CaseStatus
from matchmaking.cases.models import Case
from matchmaking.listings.models import Offering
from matchmaking.taxonomy.models import OfferingKind
from tests import factories
from tests.cases.conftest import SCORES, case_fields, make_case

pytestmark = pytest.mark.django_db


class CaseCreateTests:
    def test_vendor_member_writes_a_draft_for_their_organization(self, vendor, vendor_member):
        """A vendor's member creates a draft case with its metrics, owned by the vendor."""
        case = services.case_create(
            actor=vendor_member,
            vendor=vendor,
            metrics=[{"name": "文档处理时间", "value": "-40%"}, {"name": "", "value": ""}],
            **case_fields(),
        )
        assert case.status == CaseStatus.DRAFT
        assert case.vendor == vendor and case.created_by == vendor_member
        assert [(m.name, m.value) for m in case.metrics.all()] == [("文档处理时间", "-40%")]
        assert case.overall_score is None

    @pytest.mark.parametrize("actor_name", ["other_vendor_member", "enterprise_member"])
    def test_only_the_vendors_own_members_may_write_its_cases(self, request, vendor, actor_name):
        """Another vendor's member or an enterprise member is refused; nothing is saved."""
        actor = request.getfixturevalue(actor_name)
        with pytest.raises(PermissionDenied):
            services.case_create(actor=actor, vendor=vendor, **case_fields())
        assert not Case.objects.exists()

    def test_a_visitor_cannot_write_a_case(self, vendor):
        with pytest.raises(PermissionDenied):
            services.case_create(actor=AnonymousUser(), vendor=vendor, **case_fields())

    def test_an_enterprise_cannot_own_a_case_even_for_its_own_members(self, enterprise_member):
        """Cases belong to vendors: an enterprise's member writing for the enterprise is refused."""
        enterprise = enterprise_member.membership.organization
        with pytest.raises(PermissionDenied):
            services.case_create(actor=enterprise_member, vendor=enterprise, **case_fields())

    def test_the_offering_must_be_one_of_the_vendors_own(self, vendor, vendor_member):
        """Linking another vendor's offering is a field error on `offering`; nothing is saved."""
        other = factories.make_organization(kind="vendor")
        offering = Offering.objects.create(
            organization=other,
            title="别家的产品",
            summary="s",
            description="d",
            kind=OfferingKind.objects.get(code="product"),
        )
        with pytest.raises(ValidationError) as excinfo:
            services.case_create(
                actor=vendor_member, vendor=vendor, **case_fields(offering=offering)
            )
        assert "offering" in excinfo.value.message_dict
        assert not Case.objects.exists()

    def test_a_metric_needs_a_name_and_a_value(self, vendor, vendor_member):
        with pytest.raises(ValidationError) as excinfo:
            services.case_create(
                actor=vendor_member,
                vendor=vendor,
                metrics=[{"name": "文档处理时间", "value": ""}],
                **case_fields(),
            )
        assert "metrics" in excinfo.value.message_dict
        assert not Case.objects.exists()


class CaseSubmitTests:
    def test_vendor_member_submits_a_draft(self, vendor, vendor_member):
        case = make_case(vendor=vendor, author=vendor_member)
        services.case_submit(actor=vendor_member, case=case)
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED and case.submitted_at is not None

    @pytest.mark.parametrize("actor_name", ["other_vendor_member", "enterprise_member", "curator"])
    def test_only_the_vendors_members_submit(self, request, vendor, actor_name):
        """Not another vendor, not an enterprise, not even an admin submits for the vendor."""
        case = make_case(vendor=vendor)
        with pytest.raises(PermissionDenied):
            services.case_submit(actor=request.getfixturevalue(actor_name), case=case)
        case.refresh_from_db()
        assert case.status == CaseStatus.DRAFT

    def test_a_submitted_case_cannot_be_edited_by_the_vendor(self, vendor, vendor_member):
        """While under review the vendor cannot change the case."""
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        with pytest.raises(PermissionDenied):
            services.case_update(actor=vendor_member, case=case, title="改过的标题")
        case.refresh_from_db()
        assert case.title == "智能客服升级"

    def test_resubmitting_a_returned_case_clears_the_reason(self, vendor, vendor_member):
        case = make_case(vendor=vendor, status=CaseStatus.RETURNED)
        services.case_update(actor=vendor_member, case=case, outcome="补充了指标。")
        services.case_submit(actor=vendor_member, case=case)
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED and case.return_reason == ""


class CaseCurationTests:
    def test_admin_scores_and_the_overall_score_is_the_mean(self, vendor, curator):
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        services.case_score(
            actor=curator,
            case=case,
            innovation=4,
            demonstration=5,
            benefit=3,
            replicability=3,
            comment="示范性强。",
        )
        case.refresh_from_db()
        assert case.overall_score == Decimal("3.75")
        assert (case.score_innovation, case.score_benefit) == (4, 3)
        assert case.curator_comment == "示范性强。"

    @pytest.mark.parametrize(
        "actor_name", ["vendor_member", "other_vendor_member", "enterprise_member"]
    )
    def test_only_admins_score_publish_return_and_feature(self, request, vendor, actor_name):
        """Even the vendor's own members cannot score, publish, return or feature."""
        actor = request.getfixturevalue(actor_name)
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        with pytest.raises(PermissionDenied):
            services.case_score(actor=actor, case=case, **SCORES)
        with pytest.raises(PermissionDenied):
            services.case_publish(actor=actor, case=case)
        with pytest.raises(PermissionDenied):
            services.case_return(actor=actor, case=case, reason="x")
        with pytest.raises(PermissionDenied):
            services.case_feature(actor=actor, case=case, featured=True)
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED and case.overall_score is None

    def test_a_visitor_cannot_curate(self, vendor):
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        with pytest.raises(PermissionDenied):
            services.case_publish(actor=AnonymousUser(), case=case)

    def test_publishing_requires_the_four_scores(self, vendor, curator):
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        with pytest.raises(ValidationError) as excinfo:
            services.case_publish(actor=curator, case=case)
        assert excinfo.value.code == "not_scored"
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED

    def test_scores_outside_one_to_five_are_refused(self, vendor, curator):
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        with pytest.raises(ValidationError) as excinfo:
            services.case_score(actor=curator, case=case, **{**SCORES, "benefit": 6})
        assert "benefit" in excinfo.value.message_dict
        case.refresh_from_db()
        assert case.score_benefit is None

    def test_the_database_refuses_a_score_out_of_range(self, vendor):
        """The 1–5 rule is also a named constraint, not only a service check."""
        from django.db import IntegrityError, transaction

        case = make_case(vendor=vendor)
        with pytest.raises(IntegrityError), transaction.atomic():
            Case.objects.filter(pk=case.pk).update(score_innovation=9)

    def test_admin_publishes_a_scored_case(self, vendor, curator):
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        services.case_score(actor=curator, case=case, **SCORES)
        services.case_publish(actor=curator, case=case)
        case.refresh_from_db()
        assert case.status == CaseStatus.PUBLISHED and case.published_at is not None

    def test_returned_case_keeps_the_reason_for_the_vendor(self, vendor, curator):
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        services.case_return(actor=curator, case=case, reason="请补充客户授权说明。")
        case.refresh_from_db()
        assert case.status == CaseStatus.RETURNED
        assert case.return_reason == "请补充客户授权说明。"

    def test_returning_needs_a_reason(self, vendor, curator):
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        with pytest.raises(ValidationError) as excinfo:
            services.case_return(actor=curator, case=case, reason="  ")
        assert "reason" in excinfo.value.message_dict

    def test_admin_features_a_published_case_with_an_order(self, vendor, curator):
        case = make_case(vendor=vendor, status=CaseStatus.PUBLISHED)
        services.case_feature(actor=curator, case=case, featured=True, order=2)
        case.refresh_from_db()
        assert case.is_featured and case.featured_order == 2

    def test_only_published_cases_can_be_featured(self, vendor, curator):
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        with pytest.raises(ValidationError):
            services.case_feature(actor=curator, case=case, featured=True)

    def test_returning_a_published_case_unpublishes_and_unfeatures_it(self, vendor, curator):
        case = make_case(vendor=vendor, status=CaseStatus.PUBLISHED)
        services.case_feature(actor=curator, case=case, featured=True, order=1)
        services.case_return(actor=curator, case=case, reason="客户要求撤下。")
        case.refresh_from_db()
        assert case.status == CaseStatus.RETURNED and not case.is_featured
        assert not Case.objects.published().exists()
