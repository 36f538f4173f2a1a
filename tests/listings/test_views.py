"""Pages: bad input gets a message at the field and saves nothing; compare; my lists; moderation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matchmaking.core.images import process_image
from matchmaking.listings import services, view_counts
from matchmaking.listings.models import Need, Offering, OfferingScreenshot
from matchmaking.taxonomy.models import OfferingKind, Sector
from tests import factories

pytestmark = pytest.mark.django_db


def need_data(**overrides):
    data = {
        "title": "客服热线分流",
        "description": "账单日来电排队严重。",
        "data_availability": "some",
        "visibility": "public",
        "budget_min": "100000",
        "budget_max": "300000",
    }
    data.update(overrides)
    return data


def offering_data(**overrides):
    data = {
        "title": "智能客服平台",
        "summary": "银行客服",
        "description": "基于大模型的客服机器人。",
        "kind": OfferingKind.objects.get(code="product").pk,
        "price_unit": "project",
        "regions": "北京，天津",
        "tags": "客服, 知识库",
    }
    data.update(overrides)
    return data


def field_errors(response, name):
    return response.context["form"].errors.get(name, [])


class NeedFormTests:
    def test_posting_and_publishing_a_need(self, client, enterprise_member):
        client.force_login(enterprise_member)
        response = client.post(reverse("listings:need-create"), {**need_data(), "publish": "1"})
        need = Need.objects.get()
        assert response.status_code == 302
        assert response["Location"] == need.get_absolute_url()
        assert need.status == "open"
        assert need.created_by == enterprise_member

    def test_budget_min_above_max_is_refused_at_the_field(self, english, enterprise_member):
        english.force_login(enterprise_member)
        response = english.post(
            reverse("listings:need-create"), need_data(budget_min="900", budget_max="100")
        )
        assert response.status_code == 400
        assert field_errors(response, "budget_max")
        assert "cannot be lower than the minimum" in response.content.decode()
        assert not Need.objects.exists()

    def test_a_deadline_in_the_past_is_refused_at_the_field(self, client, enterprise_member):
        client.force_login(enterprise_member)
        yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
        response = client.post(reverse("listings:need-create"), need_data(deadline=yesterday))
        assert response.status_code == 400
        assert field_errors(response, "deadline")
        assert not Need.objects.exists()

    def test_an_unknown_category_is_refused_at_the_field(self, client, enterprise_member):
        client.force_login(enterprise_member)
        response = client.post(reverse("listings:need-create"), need_data(sectors=["99999"]))
        assert response.status_code == 400
        assert field_errors(response, "sectors")
        assert not Need.objects.exists()

    def test_a_refused_edit_keeps_the_saved_need(self, client, enterprise, enterprise_member):
        need = factories.make_need(
            organization=enterprise, title="原标题", budget_min=1, budget_max=2
        )
        client.force_login(enterprise_member)
        response = client.post(
            reverse("listings:need-edit", args=[need.pk]),
            need_data(title="新标题", budget_min="50", budget_max="10"),
        )
        assert response.status_code == 400
        need.refresh_from_db()
        assert (need.title, need.budget_min, need.budget_max) == ("原标题", 1, 2)
        # the form shows what was typed, so nothing typed is lost either
        assert "新标题" in response.content.decode()

    def test_the_form_leaves_room_for_category_suggestions(self, client, enterprise_member):
        client.force_login(enterprise_member)
        html = client.get(reverse("listings:need-create")).content.decode()
        assert 'data-suggest-url="' in html
        assert 'id="id_description"' in html

    def test_vendors_cannot_open_the_need_form(self, client, vendor_member):
        client.force_login(vendor_member)
        assert client.get(reverse("listings:need-create")).status_code == 403

    def test_publish_close_and_renew(self, client, enterprise, enterprise_member):
        need = factories.make_need(organization=enterprise, status="draft")
        client.force_login(enterprise_member)
        client.post(reverse("listings:need-publish", args=[need.pk]))
        need.refresh_from_db()
        assert need.status == "open"
        Need.objects.filter(pk=need.pk).update(status="expired")
        client.post(reverse("listings:need-renew", args=[need.pk]))
        need.refresh_from_db()
        assert need.status == "open"
        client.post(reverse("listings:need-close", args=[need.pk]), {"fulfilled": "on"})
        need.refresh_from_db()
        assert need.status == "fulfilled"


class OfferingFormTests:
    def test_listing_an_offering_for_review(self, client, vendor_member):
        client.force_login(vendor_member)
        sector = Sector.objects.get(code="finance")
        response = client.post(
            reverse("listings:offering-create"),
            {**offering_data(sectors=[sector.pk]), "submit": "1"},
        )
        offering = Offering.objects.get()
        assert response.status_code == 302
        assert offering.status == "pending"
        assert offering.regions == ["北京", "天津"]
        assert offering.tags == ["客服", "知识库"]

    def test_price_min_above_max_is_refused(self, client, vendor_member):
        client.force_login(vendor_member)
        response = client.post(
            reverse("listings:offering-create"), offering_data(price_min="9", price_max="1")
        )
        assert response.status_code == 400
        assert field_errors(response, "price_max")
        assert not Offering.objects.exists()

    def test_an_unknown_kind_is_refused_at_the_field(self, client, vendor_member):
        client.force_login(vendor_member)
        response = client.post(reverse("listings:offering-create"), offering_data(kind="99999"))
        assert response.status_code == 400
        assert field_errors(response, "kind")
        assert not Offering.objects.exists()

    def test_a_20_mb_screenshot_is_refused_at_the_field(self, english, vendor_member):
        english.force_login(vendor_member)
        big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (20 * 1024 * 1024), "image/png")
        response = english.post(
            reverse("listings:offering-create"), {**offering_data(), "screenshots": [big]}
        )
        assert response.status_code == 400
        assert field_errors(response, "screenshots")
        assert "big.png" in response.content.decode()
        assert not Offering.objects.exists()
        assert not OfferingScreenshot.objects.exists()

    def test_a_fake_image_is_refused_at_the_field(self, client, vendor_member):
        client.force_login(vendor_member)
        fake = SimpleUploadedFile("photo.png", b"<?php echo 'not an image'; ?>", "image/png")
        response = client.post(
            reverse("listings:offering-create"), {**offering_data(), "screenshots": [fake]}
        )
        assert response.status_code == 400
        assert field_errors(response, "screenshots")
        assert not Offering.objects.exists()

    def test_a_refused_edit_keeps_the_saved_offering_and_its_screenshots(
        self, client, vendor, vendor_member
    ):
        offering = factories.make_offering(organization=vendor, title="原标题")
        services.offering_add_screenshots(
            offering=offering,
            images=[
                process_image(SimpleUploadedFile("a.png", factories.image_bytes(), "image/png"))
            ],
        )
        client.force_login(vendor_member)
        fake = SimpleUploadedFile("b.png", b"not an image", "image/png")
        response = client.post(
            reverse("listings:offering-edit", args=[offering.pk]),
            {**offering_data(title="新标题"), "screenshots": [fake]},
        )
        assert response.status_code == 400
        offering.refresh_from_db()
        assert offering.title == "原标题"
        assert offering.status == "published"
        assert offering.screenshots.count() == 1

    def test_a_seventh_screenshot_is_refused(self, client, vendor, vendor_member):
        offering = factories.make_offering(organization=vendor)
        client.force_login(vendor_member)
        url = reverse("listings:offering-screenshots", args=[offering.pk])
        shots = [
            SimpleUploadedFile(f"s{i}.png", factories.image_bytes(), "image/png") for i in range(6)
        ]
        assert client.post(url, {"screenshots": shots}).status_code == 302
        response = client.post(
            url,
            {"screenshots": [SimpleUploadedFile("x.png", factories.image_bytes(), "image/png")]},
        )
        assert response.status_code == 400
        assert response.context["form"].errors["screenshots"]
        # a published offering's new screenshots wait with its revision
        assert offering.revisions.get().screenshots.count() == 6
        assert offering.screenshots.count() == 0

    def test_the_detail_page_shows_the_gallery_and_badges(self, client, vendor):
        vendor.verification_status = "verified"
        vendor.filing_number = "Beijing-ZhiYun-20230801"
        vendor.save()
        offering = factories.make_offering(organization=vendor)
        services.offering_add_screenshots(
            offering=offering,
            images=[
                process_image(SimpleUploadedFile("a.png", factories.image_bytes(), "image/png"))
            ],
        )
        html = client.get(offering.get_absolute_url()).content.decode()
        assert "Beijing-ZhiYun-20230801" in html
        assert "badge-verified" in html
        shot = offering.screenshots.get()
        assert shot.thumbnail.url in html and shot.image.url in html

    def test_the_vendor_sees_why_an_offering_was_hidden(
        self, english, vendor, vendor_member, staff
    ):
        offering = factories.make_offering(organization=vendor)
        services.offering_hide(offering=offering, by=staff, reason="截图含他人商标")
        english.force_login(vendor_member)
        html = english.get(offering.get_absolute_url()).content.decode()
        assert "截图含他人商标" in html
        html = english.get(reverse("listings:my-offerings")).content.decode()
        assert "截图含他人商标" in html


class CompareTests:
    def test_two_to_four_offerings_side_by_side(self, client):
        items = [factories.make_offering(title=f"对比{i}") for i in range(5)]
        query = "&".join(f"ids={o.pk}" for o in items)
        response = client.get(reverse("listings:offering-compare") + "?" + query)
        assert response.status_code == 200
        assert [o.title for o in response.context["offerings"]] == [
            "对比0",
            "对比1",
            "对比2",
            "对比3",
        ]
        assert response.context["too_many"]

    def test_offerings_the_viewer_may_not_see_are_left_out(self, client):
        shown = factories.make_offering(title="公开")
        draft = factories.make_offering(title="草稿", status="draft")
        response = client.get(
            reverse("listings:offering-compare") + f"?ids={shown.pk}&ids={draft.pk}&ids=abc"
        )
        assert [o.title for o in response.context["offerings"]] == ["公开"]
        assert response.context["too_few"]
        assert "草稿" not in response.content.decode()


class MyListsTests:
    def test_my_offerings_lists_every_status_of_my_vendor_only(self, client, vendor, vendor_member):
        mine = [
            factories.make_offering(organization=vendor, status=s) for s in ("draft", "pending")
        ]
        factories.make_offering(title="别人的")
        client.force_login(vendor_member)
        response = client.get(reverse("listings:my-offerings"))
        assert set(response.context["offerings"]) == set(mine)

    def test_my_needs_lists_my_enterprises_needs(self, client, enterprise, enterprise_member):
        mine = factories.make_need(organization=enterprise, status="draft")
        factories.make_need()
        client.force_login(enterprise_member)
        response = client.get(reverse("listings:my-needs"))
        assert list(response.context["needs"]) == [mine]

    def test_my_pages_need_a_sign_in(self, client):
        assert client.get(reverse("listings:my-needs")).status_code == 302
        assert client.get(reverse("listings:my-offerings")).status_code == 302


class ModerationTests:
    def test_queue_lists_pending_offerings_new_needs_and_near_duplicates(
        self, client, vendor, staff
    ):
        pending = services.offering_create(
            organization=vendor,
            title="甲",
            summary="s",
            description="完全相同的一段描述文字用于测试",
            kind="product",
            submit=True,
        )
        copy = services.offering_create(
            organization=vendor,
            title="甲",
            summary="s",
            description="完全相同的一段描述文字用于测试",
            kind="product",
        )
        need = factories.make_need()
        client.force_login(staff)
        response = client.get(reverse("listings:moderation-queue"))
        assert list(response.context["offerings"]) == [pending]
        assert need in response.context["needs"]
        assert copy in response.context["duplicates"]

    def test_approve_and_hide_through_the_queue(self, client, vendor, staff):
        offering = factories.make_offering(organization=vendor, status="pending")
        client.force_login(staff)
        client.post(reverse("listings:offering-approve", args=[offering.pk]))
        offering.refresh_from_db()
        assert offering.status == "published"
        response = client.post(
            reverse("listings:offering-hide", args=[offering.pk]), {"reason": ""}
        )
        offering.refresh_from_db()
        assert offering.status == "published"  # a reason is required
        assert response.status_code == 302
        client.post(reverse("listings:offering-hide", args=[offering.pk]), {"reason": "虚假宣传"})
        offering.refresh_from_db()
        assert (offering.status, offering.moderation_reason) == ("hidden", "虚假宣传")


class HomeAndNavigationTests:
    def test_home_shows_counts_and_latest_offerings(self, client):
        factories.make_offering(title="最新供给")
        factories.make_need()
        html = client.get("/").content.decode()
        assert "最新供给" in html
        assert reverse("listings:offering-list") in html

    def test_vendor_navigation_links(self, client, vendor_member):
        client.force_login(vendor_member)
        html = client.get(reverse("listings:offering-list")).content.decode()
        assert reverse("listings:my-offerings") in html
        assert reverse("listings:offering-create") in html

    def test_empty_state_suggests_removing_filters(self, english):
        factories.make_offering(kind="product")
        html = english.get(
            reverse("listings:offering-list") + "?kind=compute&q=客服"
        ).content.decode()
        assert "Nothing matches all of these filters" in html
        assert "?q=%E5%AE%A2%E6%9C%8D" in html  # a link without the kind filter

    def test_pagination_keeps_the_filters(self, client, settings):
        settings.LISTINGS_PAGE_SIZE = 2
        for i in range(5):
            factories.make_offering(title=f"分页{i}")
        html = client.get(reverse("listings:offering-list") + "?kind=product").content.decode()
        assert "?kind=product&amp;page=2" in html


class OfferingViewCountTests:
    def test_visits_from_outside_the_vendor_are_counted(
        self, client, vendor, vendor_member, enterprise_member, staff
    ):
        """The vendor's dashboard shows views: visitors and other organizations count; the
        vendor's own members and platform staff do not; editing stamps are not touched."""
        offering = factories.make_offering(organization=vendor)
        stamp = Offering.objects.get(pk=offering.pk).updated_at
        url = reverse("listings:offering-detail", args=[offering.pk])
        assert client.get(url).status_code == 200  # visitor
        client.force_login(enterprise_member)
        client.get(url)
        client.force_login(vendor_member)
        client.get(url)
        client.force_login(staff)
        client.get(url)
        offering.refresh_from_db()
        assert offering.view_count == 2
        assert offering.updated_at == stamp

    def test_unpublished_offerings_count_no_views(self, client, vendor, staff):
        offering = factories.make_offering(organization=vendor, status="pending")
        assert not services.offering_record_view(offering=offering, viewer=staff)
        offering.refresh_from_db()
        assert offering.view_count == 0


# --- detail pages: a small, constant number of queries, whoever looks and however much the
# listing holds (terms, screenshots, cases) ------------------------------------------------

# Queries per page view, at most (session, user and organization, the listing, its links to
# the taxonomy, screenshots, the notification badge, one per panel that has something to ask,
# and for the listing's members and admins its proposed changes, and the versions in the
# shared cache — read once per request, see core/shared_cache.py).
OFFERING_PAGE_MAX = 12
# 13 for a need: the owner's page of a need with no strong match also counts the offerings
# that relaxing each hard constraint would bring and reads the state of its two actions.
NEED_PAGE_MAX = 13

ALL_SECTORS = ("finance", "healthcare", "government", "manufacturing", "education")
ALL_APP_TYPES = ("qa", "content_generation", "data_analysis", "recognition")
ALL_DEPLOYMENT = ("private", "saas", "hybrid")


def _viewers():
    vendor = factories.make_organization(kind="vendor")
    enterprise = factories.make_organization(kind="enterprise")
    return vendor, {
        "visitor": None,
        "enterprise member": enterprise.memberships.get().user,
        "other vendor": factories.make_organization(kind="vendor").memberships.get().user,
        "owner": vendor.memberships.get().user,
        "staff": factories.make_user(is_staff=True),
    }


def _count(client, user, url) -> int:
    client.logout()
    if user is not None:
        client.force_login(user)
    client.get(url)  # warm: first-use caches (taxonomy terms, templates)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _add_screenshots(offering, count):
    for index in range(count):
        OfferingScreenshot.objects.create(
            offering=offering, image=f"s/{index}.png", thumbnail=f"s/{index}_t.png", order=index
        )


class OfferingDetailQueryTests:
    def test_every_viewer_costs_the_same_few_queries_however_rich_the_offering(self, client):
        vendor, viewers = _viewers()
        plain = factories.make_offering(
            organization=vendor, sectors=(), app_types=(), deployment=()
        )
        rich = factories.make_offering(
            organization=vendor,
            sectors=ALL_SECTORS,
            app_types=ALL_APP_TYPES,
            deployment=ALL_DEPLOYMENT,
        )
        _add_screenshots(rich, 5)
        for label, user in viewers.items():
            small = _count(client, user, plain.get_absolute_url())
            large = _count(client, user, rich.get_absolute_url())
            assert small == large, label
            assert large <= OFFERING_PAGE_MAX, (label, large)

    def test_the_page_stays_within_its_budget(self, client, django_assert_max_num_queries):
        vendor, viewers = _viewers()
        offering = factories.make_offering(
            organization=vendor, sectors=ALL_SECTORS, app_types=ALL_APP_TYPES
        )
        client.force_login(viewers["enterprise member"])
        client.get(offering.get_absolute_url())
        with django_assert_max_num_queries(OFFERING_PAGE_MAX):
            client.get(offering.get_absolute_url())

    def test_a_visitor_reads_an_offering_page_with_three_queries(
        self, client, settings, django_assert_num_queries
    ):
        """A visitor's first render of an offering page: (1) the offering with its vendor,
        whether the viewer may edit it answered in the same query; (2) its sectors,
        application types, deployment modes and screenshots in one UNION; (3) the versions
        in the shared cache (taxonomy, cases), once per request. Kind and layer come from
        the taxonomy cache; no session, no panel asks anything (no published case used it).
        The view is tallied in memory, as in production (the tests write it at once)."""
        settings.LISTINGS_VIEW_COUNT_FLUSH_SECONDS = 600
        offering = factories.make_offering(sectors=ALL_SECTORS, app_types=ALL_APP_TYPES)
        _add_screenshots(offering, 3)
        try:
            client.get(offering.get_absolute_url())  # warm: the taxonomy terms, the case rows
            with django_assert_num_queries(3):
                response = client.get(offering.get_absolute_url())
        finally:
            view_counts.flush()  # nothing left in the tally for the next test
        assert response.content.decode().count('class="gallery-item"') == 3

    def test_a_draft_offerings_page_and_screenshots_are_for_its_vendor_only(self, client):
        """The page's row read stays scoped: a draft is a 404 for a visitor and for another
        organization; its vendor's member sees it, its screenshots and the edit link."""
        vendor, viewers = _viewers()
        draft = factories.make_offering(organization=vendor, status="draft")
        _add_screenshots(draft, 2)
        edit_url = reverse("listings:offering-edit", args=[draft.pk])
        for label in ("visitor", "enterprise member", "other vendor"):
            client.logout()
            if viewers[label] is not None:
                client.force_login(viewers[label])
            assert client.get(draft.get_absolute_url()).status_code == 404, label
        client.force_login(viewers["owner"])
        html = client.get(draft.get_absolute_url()).content.decode()
        assert html.count('class="gallery-item"') == 2
        assert edit_url in html

    def test_a_retired_kind_is_still_named_on_the_page(self, english):
        """Kind and layer come from the taxonomy cache of active terms; a retired one is
        read from the database instead of being left out."""
        offering = factories.make_offering(kind="product")
        english.get(offering.get_absolute_url())  # the active terms cached
        kind = OfferingKind.objects.get(code="product")
        kind.is_active = False
        kind.save()  # the taxonomy version is bumped by the save
        html = english.get(offering.get_absolute_url()).content.decode()
        assert f"<dd>{kind.name_en}</dd>" in html

    def test_terms_are_listed_in_taxonomy_order_including_retired_ones(self, english):
        """The page names every linked term, in the taxonomy's order — also a term that has
        since been retired (no longer offered in forms and filters)."""
        offering = factories.make_offering(
            sectors=("healthcare", "finance"), app_types=("qa",), deployment=("saas",)
        )
        retired = Sector.objects.get(code="finance")
        retired.is_active = False
        retired.save()
        english.get(offering.get_absolute_url())
        html = english.get(offering.get_absolute_url()).content.decode()
        sectors = sorted(
            Sector.objects.filter(code__in=("healthcare", "finance")),
            key=lambda s: (s.order, s.code),
        )
        names = [sector.name_en for sector in sectors]
        assert f"{names[0]}, {names[1]}" in html  # English separator

    def test_only_the_vendors_members_get_the_edit_buttons(self, client):
        vendor, viewers = _viewers()
        offering = factories.make_offering(organization=vendor)
        edit_url = reverse("listings:offering-edit", args=[offering.pk])
        for label, user in viewers.items():
            client.logout()
            if user is not None:
                client.force_login(user)
            response = client.get(offering.get_absolute_url())
            assert response.context["can_edit"] is (label == "owner"), label
            assert (edit_url in response.content.decode()) is (label == "owner"), label


class NeedDetailQueryTests:
    def test_every_viewer_costs_the_same_few_queries_however_rich_the_need(self, client):
        _vendor, viewers = _viewers()
        enterprise = viewers["enterprise member"].membership.organization
        viewers["owner"] = viewers.pop("enterprise member")
        plain = factories.make_need(organization=enterprise, sectors=(), app_types=())
        rich = factories.make_need(
            organization=enterprise,
            sectors=ALL_SECTORS,
            app_types=ALL_APP_TYPES,
            deployment=ALL_DEPLOYMENT,
        )
        for label, user in viewers.items():
            small = _count(client, user, plain.get_absolute_url())
            large = _count(client, user, rich.get_absolute_url())
            assert abs(small - large) <= 1, label  # + the similar-cases lookup when it has sectors
            assert large <= NEED_PAGE_MAX, (label, large)

    def test_the_page_stays_within_its_budget(self, client, django_assert_max_num_queries):
        _vendor, viewers = _viewers()
        need = factories.make_need(sectors=ALL_SECTORS, app_types=ALL_APP_TYPES)
        client.force_login(viewers["other vendor"])
        client.get(need.get_absolute_url())
        with django_assert_max_num_queries(NEED_PAGE_MAX):
            client.get(need.get_absolute_url())
