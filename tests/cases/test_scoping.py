"""Who sees and changes which case, over HTTP: actors × case status × view/edit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matchmaking.cases.choices import CaseStatus
from matchmaking.cases.models import Case
from matchmaking.listings.io.exporter import export_data
from tests.cases.conftest import make_case

pytestmark = pytest.mark.django_db

ACTORS = ["visitor", "own_member", "other_vendor", "enterprise", "admin"]
STATUSES = [CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.RETURNED, CaseStatus.PUBLISHED]

# Expected answers: "login" means a redirect to the sign-in page.
DETAIL = {
    "visitor": {"draft": 404, "submitted": 404, "returned": 404, "published": 200},
    "own_member": {"draft": 200, "submitted": 200, "returned": 200, "published": 200},
    "other_vendor": {"draft": 404, "submitted": 404, "returned": 404, "published": 200},
    "enterprise": {"draft": 404, "submitted": 404, "returned": 404, "published": 200},
    "admin": {"draft": 200, "submitted": 200, "returned": 200, "published": 200},
}
EDIT = {
    "visitor": {"draft": "login", "submitted": "login", "returned": "login", "published": "login"},
    "own_member": {"draft": 200, "submitted": 403, "returned": 200, "published": 403},
    "other_vendor": {"draft": 404, "submitted": 404, "returned": 404, "published": 403},
    "enterprise": {"draft": 404, "submitted": 404, "returned": 404, "published": 403},
    "admin": {"draft": 200, "submitted": 200, "returned": 200, "published": 200},
}


@pytest.fixture
def actors(vendor, vendor_member, other_vendor_member, enterprise_member, curator):
    return {
        "visitor": None,
        "own_member": vendor_member,
        "other_vendor": other_vendor_member,
        "enterprise": enterprise_member,
        "admin": curator,
    }


def _answer(response):
    if response.status_code == 302 and reverse("accounts:login") in response["Location"]:
        return "login"
    return response.status_code


class CaseScopeMatrixTests:
    @pytest.mark.parametrize("status", STATUSES)
    @pytest.mark.parametrize("actor", ACTORS)
    def test_detail_and_edit_answer_by_actor_and_status(
        self, client, actors, vendor, actor, status
    ):
        """Unpublished cases are 404 to everyone but the vendor's members and admins; editing
        is for the vendor's members while draft/returned (403 otherwise when visible)."""
        case = make_case(vendor=vendor, status=status)
        if actors[actor] is not None:
            client.force_login(actors[actor])
        detail = client.get(reverse("cases:case-detail", args=[case.pk]))
        edit = client.get(reverse("cases:case-edit", args=[case.pk]))
        assert _answer(detail) == DETAIL[actor][status]
        assert _answer(edit) == EDIT[actor][status]


class CaseListScopeTests:
    @pytest.mark.parametrize("actor", ACTORS)
    def test_the_gallery_lists_only_published_cases_for_everyone(
        self, client, actors, vendor, actor
    ):
        cases = {
            status: make_case(vendor=vendor, status=status, title=f"案例-{status}")
            for status in STATUSES
        }
        if actors[actor] is not None:
            client.force_login(actors[actor])
        response = client.get(reverse("cases:case-list"))
        assert response.status_code == 200
        listed = {case.pk for case in response.context["cases"]}
        assert listed == {cases[CaseStatus.PUBLISHED].pk}
        body = response.content.decode()
        for status in (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.RETURNED):
            assert f"案例-{status}" not in body

    def test_the_export_contains_only_published_cases(self, vendor):
        """The llm-match/v1 export (the bulk API) never carries an unpublished case."""
        for status in STATUSES:
            make_case(vendor=vendor, status=status, title=f"案例-{status}")
        exported = export_data()["cases"]
        assert [row["title"] for row in exported] == [f"案例-{CaseStatus.PUBLISHED}"]

    def test_vendor_panel_shows_only_published_cases(self, rf, vendor):
        from matchmaking.cases.panels import organization_cases_panel

        for status in STATUSES:
            make_case(vendor=vendor, status=status)
        panel = organization_cases_panel(rf.get("/"), vendor)
        assert [case.status for case in panel.context["panel_cases"]] == [CaseStatus.PUBLISHED]


class WorkflowPagesScopeTests:
    def test_other_vendor_cannot_submit_someone_elses_draft(
        self, client, vendor, other_vendor_member
    ):
        case = make_case(vendor=vendor)
        client.force_login(other_vendor_member)
        response = client.post(reverse("cases:case-submit", args=[case.pk]))
        assert response.status_code == 404
        case.refresh_from_db()
        assert case.status == CaseStatus.DRAFT

    def test_enterprise_member_cannot_submit_a_published_case(
        self, client, vendor, enterprise_member
    ):
        case = make_case(vendor=vendor, status=CaseStatus.PUBLISHED)
        client.force_login(enterprise_member)
        response = client.post(reverse("cases:case-submit", args=[case.pk]))
        assert response.status_code == 403

    def test_own_member_submits_over_http(self, client, vendor, vendor_member):
        case = make_case(vendor=vendor)
        client.force_login(vendor_member)
        response = client.post(reverse("cases:case-submit", args=[case.pk]))
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED

    @pytest.mark.parametrize("actor", ["enterprise", "admin"])
    def test_only_vendor_members_open_the_case_form(self, client, actors, actor):
        """Writing a case is for vendor members; an enterprise member (or an admin without a
        vendor organization, who uses the Django admin) gets 403."""
        client.force_login(actors[actor])
        assert client.get(reverse("cases:case-create")).status_code == 403

    def test_visitors_are_sent_to_sign_in_to_write_a_case(self, client):
        response = client.get(reverse("cases:case-create"))
        assert _answer(response) == "login"

    @pytest.mark.parametrize("actor", ["own_member", "other_vendor", "enterprise"])
    def test_only_admins_open_the_review_queue(self, client, actors, actor):
        client.force_login(actors[actor])
        assert client.get(reverse("cases:review-queue")).status_code == 403

    def test_vendor_member_cannot_publish_through_the_review_action(
        self, client, vendor, vendor_member
    ):
        case = make_case(vendor=vendor, status=CaseStatus.SUBMITTED)
        client.force_login(vendor_member)
        response = client.post(reverse("cases:review-action", args=[case.pk, "publish"]))
        assert response.status_code == 403
        assert Case.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED

    def test_my_cases_lists_only_my_organizations_cases(
        self, client, vendor, vendor_member, other_vendor_member
    ):
        mine = make_case(vendor=vendor)
        make_case(vendor=other_vendor_member.membership.organization, title="别家的案例")
        client.force_login(vendor_member)
        response = client.get(reverse("cases:my-cases"))
        assert [case.pk for case in response.context["cases"]] == [mine.pk]
