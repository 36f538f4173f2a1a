"""The case pages: writing a case (images under the shared rules), the detail page, the
vendor's list with the curators' reasons, the review queue, panels and the home section."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from matchmaking.cases.choices import CaseStatus
from matchmaking.cases.forms import CaseForm
from matchmaking.cases.models import Case, CaseImage
from matchmaking.core import images as core_images
from matchmaking.taxonomy.models import ApplicationType, Layer, Sector
from tests import factories
from tests.cases.conftest import make_case
from tests.factories import image_bytes

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    data = {
        "title": "营销文案生成",
        "client": "某零售集团",
        "offering": "",
        "sector": str(Sector.objects.get(code="industry").pk),
        "app_type": str(ApplicationType.objects.get(code="content_generation").pk),
        "layer": str(Layer.objects.get(code="application").pk),
        "challenge": "文案产出慢。",
        "solution": "接入营销文案生成。",
        "outcome": "文案产出速度提升。",
        "source_url": "",
        "metrics-TOTAL_FORMS": "3",
        "metrics-INITIAL_FORMS": "0",
        "metrics-MIN_NUM_FORMS": "0",
        "metrics-MAX_NUM_FORMS": "8",
        "metrics-0-name": "文案产出时间",
        "metrics-0-value": "-60%",
        "metrics-0-unit": "",
    }
    data.update(overrides)
    return data


def png(name: str = "cover.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG", (80, 60)), content_type="image/png")


class CaseFormImageTests:
    def test_the_form_uses_the_shared_image_fields(self):
        """Cover and gallery are core.images fields: the one copy of the validation code."""
        assert isinstance(CaseForm.base_fields["cover"], core_images.ImageUploadField)
        assert isinstance(CaseForm.base_fields["gallery"], core_images.MultipleImageUploadField)

    def test_a_fake_cover_image_is_a_field_error_and_nothing_is_saved(
        self, client, vendor, vendor_member
    ):
        """A text file named .png is refused at the cover field; no case, no file is stored."""
        client.force_login(vendor_member)
        fake = SimpleUploadedFile("cover.png", b"not an image at all", content_type="image/png")
        response = client.post(reverse("cases:case-create"), form_data(cover=fake))
        assert response.status_code == 200
        errors = response.context["form"].errors.as_data()
        assert [error.code for error in errors["cover"]] == ["not_an_image"]
        assert not Case.objects.exists()

    def test_a_fake_gallery_image_is_a_field_error_and_nothing_is_saved(
        self, client, vendor, vendor_member, settings
    ):
        client.force_login(vendor_member)
        fake = SimpleUploadedFile("shot.png", b"GIF89a...", content_type="image/png")
        response = client.post(reverse("cases:case-create"), form_data(gallery=[png(), fake]))
        assert "gallery" in response.context["form"].errors
        assert not Case.objects.exists() and not CaseImage.objects.exists()
        media = settings.MEDIA_ROOT
        assert not media.exists() or not any(media.rglob("*.png"))

    def test_a_real_cover_and_gallery_are_stored_with_thumbnails(
        self, client, vendor, vendor_member
    ):
        client.force_login(vendor_member)
        response = client.post(
            reverse("cases:case-create"),
            form_data(cover=png(), gallery=[png("a.png"), png("b.png")]),
        )
        case = Case.objects.get()
        assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
        assert case.cover_image and case.cover_thumbnail
        assert case.images.count() == 2
        assert all(image.thumbnail for image in case.images.all())
        assert [(m.name, m.value) for m in case.metrics.all()] == [("文案产出时间", "-60%")]
        assert case.status == CaseStatus.DRAFT and case.vendor == vendor

    def test_more_than_six_gallery_images_are_refused(self, client, vendor, vendor_member):
        client.force_login(vendor_member)
        response = client.post(
            reverse("cases:case-create"),
            form_data(gallery=[png(f"{n}.png") for n in range(7)]),
        )
        assert [e.code for e in response.context["form"].errors.as_data()["gallery"]] == [
            "too_many_files"
        ]
        assert not Case.objects.exists()

    def test_a_metric_without_a_value_is_an_error_and_nothing_is_saved(
        self, client, vendor, vendor_member
    ):
        client.force_login(vendor_member)
        response = client.post(reverse("cases:case-create"), form_data(**{"metrics-0-value": ""}))
        assert response.status_code == 200
        assert response.context["metric_forms"].forms[0].non_field_errors()
        assert not Case.objects.exists()


class CaseEditViewTests:
    def test_vendor_edits_a_returned_case_and_sees_the_reason(
        self, client, english, vendor, vendor_member
    ):
        case = make_case(vendor=vendor, status=CaseStatus.RETURNED)
        client.force_login(vendor_member)
        page = client.get(reverse("cases:case-edit", args=[case.pk]))
        assert "请补充量化指标。" in page.content.decode()
        response = client.post(
            reverse("cases:case-edit", args=[case.pk]),
            form_data(title="补充后的案例", **{"metrics-0-value": "-65%"}),
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.title == "补充后的案例"
        assert [m.value for m in case.metrics.all()] == ["-65%"]


class CaseDetailViewTests:
    def test_metrics_are_shown_as_figures(self, client, vendor):
        case = make_case(vendor=vendor, status=CaseStatus.PUBLISHED)
        body = client.get(case.get_absolute_url()).content.decode()
        assert 'class="case-metric-value">-40%' in body
        assert "文档处理时间" in body

    def test_the_four_scores_and_overall_are_shown(self, english, vendor):
        case = make_case(vendor=vendor, status=CaseStatus.PUBLISHED)
        body = english.get(case.get_absolute_url()).content.decode()
        assert "4.00" in body  # (4 + 5 + 3 + 4) / 4
        for label in ("Innovation", "Demonstration value", "Replicability"):
            assert label in body


class MyCasesViewTests:
    def test_returned_cases_show_the_curators_reason(self, english, vendor, vendor_member):
        make_case(vendor=vendor, status=CaseStatus.RETURNED)
        english.force_login(vendor_member)
        response = english.get(reverse("cases:my-cases"))
        body = response.content.decode()
        assert "Returned to the vendor" in body
        assert "请补充量化指标。" in body


class ReviewQueueViewTests:
    def score_data(self, case, **values) -> dict:
        prefix = f"case-{case.pk}-score"
        scores = {"innovation": "4", "demonstration": "4", "benefit": "5", "replicability": "3"}
        scores.update(values)
        data = {f"{prefix}-{name}": value for name, value in scores.items()}
        data[f"{prefix}-comment"] = "可推广。"
        return data

    def test_queue_lists_submitted_cases_with_the_four_dimensions(self, english, vendor, curator):
        submitted = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        make_case(vendor=vendor, title="仍是草稿")
        english.force_login(curator)
        response = english.get(reverse("cases:review-queue"))
        assert [item["case"].pk for item in response.context["items"]] == [submitted.pk]
        body = response.content.decode()
        for label in ("创新性", "示范性", "经济与社会效益性", "可推广性"):
            assert label in body

    def test_admin_scores_then_publishes(self, client, vendor, curator):
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        client.force_login(curator)
        client.post(reverse("cases:review-action", args=[case.pk, "score"]), self.score_data(case))
        client.post(reverse("cases:review-action", args=[case.pk, "publish"]))
        case.refresh_from_db()
        assert case.status == CaseStatus.PUBLISHED
        assert str(case.overall_score) == "4.00"
        assert case.curator_comment == "可推广。"

    def test_a_missing_score_is_shown_at_its_field(self, client, vendor, curator):
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        client.force_login(curator)
        response = client.post(
            reverse("cases:review-action", args=[case.pk, "score"]),
            self.score_data(case, benefit=""),
        )
        assert response.status_code == 200
        item = response.context["items"][0]
        assert "benefit" in item["score_form"].errors
        case.refresh_from_db()
        assert case.overall_score is None

    def test_publishing_unscored_case_is_refused_with_a_message(self, client, vendor, curator):
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        client.force_login(curator)
        response = client.post(
            reverse("cases:review-action", args=[case.pk, "publish"]), follow=True
        )
        assert any(m.level_tag == "error" for m in response.context["messages"])
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED

    def test_returning_without_a_reason_is_a_field_error(self, client, vendor, curator):
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        client.force_login(curator)
        response = client.post(
            reverse("cases:review-action", args=[case.pk, "return"]),
            {f"case-{case.pk}-return-reason": ""},
        )
        assert "reason" in response.context["items"][0]["return_form"].errors
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED

    def test_admin_returns_with_a_reason_and_features_published_cases(
        self, client, vendor, curator
    ):
        returned = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        published = make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title="已发布")
        client.force_login(curator)
        client.post(
            reverse("cases:review-action", args=[returned.pk, "return"]),
            {f"case-{returned.pk}-return-reason": "缺少客户授权。"},
        )
        client.post(
            reverse("cases:review-action", args=[published.pk, "feature"]),
            {
                f"case-{published.pk}-feature-featured": "on",
                f"case-{published.pk}-feature-order": "3",
            },
        )
        returned.refresh_from_db()
        published.refresh_from_db()
        assert (returned.status, returned.return_reason) == (CaseStatus.RETURNED, "缺少客户授权。")
        assert published.is_featured and published.featured_order == 3


class HomeAndPanelsTests:
    def test_home_shows_up_to_three_featured_cases(self, client, vendor, curator):
        from matchmaking.cases import services

        for number in range(4):
            case = make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title=f"精选{number}")
            services.case_feature(actor=curator, case=case, featured=True, order=number)
        response = client.get(reverse("core:home"))
        body = response.content.decode()
        assert "精选0" in body and "精选2" in body and "精选3" not in body

    def test_need_panel_prefers_same_sector_and_app_type_then_sector_only(self, rf, vendor):
        from matchmaking.cases.panels import need_similar_cases_panel
        from matchmaking.listings.models import Need

        exact = make_case(vendor=vendor, status=CaseStatus.PUBLISHED, title="同行业同类型")
        make_case(
            vendor=vendor,
            status=CaseStatus.PUBLISHED,
            title="同行业别的类型",
            app_type=ApplicationType.objects.get(code="data_analysis"),
        )
        enterprise = vendor.__class__.objects.create(kind="enterprise", name="某企业")
        need = Need.objects.create(organization=enterprise, title="客服", description="客服问答")
        need.sectors.set([Sector.objects.get(code="finance")])
        need.app_types.set([ApplicationType.objects.get(code="qa")])
        panel = need_similar_cases_panel(rf.get("/"), need)
        assert re.findall(r'data-case="(\d+)"', panel.markup) == [str(exact.pk)]
        assert "同行业同类型" in panel.markup and "同行业别的类型" not in panel.markup

        need.app_types.set([ApplicationType.objects.get(code="recognition")])
        panel = need_similar_cases_panel(rf.get("/"), need)
        assert "同行业同类型" in panel.markup and "同行业别的类型" in panel.markup
        assert len(re.findall(r'data-case="(\d+)"', panel.markup)) == 2

        need.sectors.set([Sector.objects.get(code="healthcare")])
        assert need_similar_cases_panel(rf.get("/"), need) is None

    def test_offering_panel_lists_published_cases_that_used_it(self, rf, vendor):
        from matchmaking.cases.panels import offering_cases_panel
        from matchmaking.listings.models import Offering
        from matchmaking.taxonomy.models import OfferingKind

        offering = Offering.objects.create(
            organization=vendor,
            title="客服大模型",
            summary="s",
            description="d",
            kind=OfferingKind.objects.get(code="product"),
        )
        used = make_case(vendor=vendor, status=CaseStatus.PUBLISHED, offering=offering)
        make_case(vendor=vendor, status=CaseStatus.SUBMITTED, offering=offering)
        panel = offering_cases_panel(rf.get("/"), offering)
        assert [case.pk for case in panel.context["panel_cases"]] == [used.pk]

    def test_has_cases_offering_filter_is_wired_to_published_cases(self, vendor):
        """The listings `has_cases` filter's extension point is filled by the cases app."""
        from django.http import QueryDict

        from matchmaking.listings.browse.facets import published_cases
        from matchmaking.listings.filtersets import OfferingFilterSet
        from matchmaking.listings.models import Offering
        from matchmaking.taxonomy.models import OfferingKind

        kind = OfferingKind.objects.get(code="product")
        backed = Offering.objects.create(
            organization=vendor, title="有案例", summary="s", description="d", kind=kind
        )
        other_vendor = factories.make_organization(kind="vendor")
        unbacked = Offering.objects.create(
            organization=other_vendor, title="无案例", summary="s", description="d", kind=kind
        )
        # A case still under review backs nothing.
        make_case(vendor=other_vendor, status=CaseStatus.SUBMITTED, offering=unbacked)
        make_case(vendor=vendor, status=CaseStatus.PUBLISHED, offering=backed)
        assert published_cases.first() is not None
        matched = set(
            OfferingFilterSet(QueryDict("has_cases=1"), queryset=Offering.objects.all()).qs
        )
        assert backed in matched and unbacked not in matched


class CaseAdminTests:
    def test_admin_lists_and_opens_cases_and_publishes_through_the_service(
        self, client, vendor, admin_user
    ):
        from matchmaking.cases import services

        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        unscored = make_case(vendor=vendor, status=CaseStatus.SUBMITTED, title="未评分")
        services.case_score(
            actor=admin_user, case=case, innovation=3, demonstration=3, benefit=3, replicability=3
        )
        client.force_login(admin_user)
        assert client.get(reverse("admin:cases_case_changelist")).status_code == 200
        assert client.get(reverse("admin:cases_case_change", args=[case.pk])).status_code == 200
        client.post(
            reverse("admin:cases_case_changelist"),
            {"action": "publish_cases", "_selected_action": [case.pk, unscored.pk]},
        )
        case.refresh_from_db()
        unscored.refresh_from_db()
        assert case.status == CaseStatus.PUBLISHED
        assert unscored.status == CaseStatus.SUBMITTED  # publishing requires the scores
