"""Pages of the matcher: need/offering panels, opportunities, dismiss, categories endpoint."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matchmaking.matching import services
from matchmaking.matching.models import Direction, Suggestion, SuggestionFeedback
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_engine")]


@pytest.fixture
def matched():
    offering = factories.make_offering(title="金融智能客服大模型")
    need = factories.make_need(title="信用卡中心客服热线分流")
    services.suggestions_rebuild_all()
    assert Suggestion.objects.for_need(need).exists()
    return need, offering


def signed_in(client, user):
    client.force_login(user)
    return client


class NeedPanelTests:
    def test_the_needs_enterprise_sees_suggested_offerings_with_reasons(self, english, matched):
        need, offering = matched
        user = need.organization.memberships.get().user
        html = signed_in(english, user).get(need.get_absolute_url()).content.decode()
        assert 'id="suggested-offerings"' in html
        assert offering.title in html
        assert "reason-met" in html
        assert reverse("matching:dismiss") in html

    def test_other_viewers_do_not_see_the_suggestions(self, client, matched):
        need, offering = matched
        html = client.get(need.get_absolute_url()).content.decode()
        assert 'id="suggested-offerings"' not in html
        vendor_user = offering.organization.memberships.get().user
        html = signed_in(client, vendor_user).get(need.get_absolute_url()).content.decode()
        assert 'id="suggested-offerings"' not in html

    def test_admins_see_them_without_the_dismiss_button(self, client, matched, admin_user):
        need, _offering = matched
        html = signed_in(client, admin_user).get(need.get_absolute_url()).content.decode()
        assert 'id="suggested-offerings"' in html
        assert reverse("matching:dismiss") not in html

    def test_rows_escape_their_texts_and_the_dismiss_form_posts_as_rendered(self, matched):
        """The rows are built in Python (``matching_rows.need_suggestion_items``): titles and
        names escaped, and the form — its CSRF token, ids and next URL — works as rendered."""
        import re
        from html import unescape

        from django.test import Client

        need, offering = matched
        offering.title = '<script>alert("x")</script>金融客服'
        offering.save()
        client = Client(enforce_csrf_checks=True)
        client.force_login(need.organization.memberships.get().user)
        html = client.get(need.get_absolute_url() + "?a=1&b=<2>").content.decode()
        assert '<script>alert("x")' not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;金融客服" in html
        form = re.search(
            r'<form method="post" action="([^"]+)" class="[^"]*match-dismiss">(.*?)</form>',
            html,
            re.S,
        )
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2)))
        assert fields["need"] == str(need.pk) and fields["offering"] == str(offering.pk)
        assert fields["next"] == need.get_absolute_url() + "?a=1&amp;b=%3C2%3E"  # escaped
        response = client.post(unescape(form.group(1)), {k: unescape(v) for k, v in fields.items()})
        assert response.status_code == 302
        assert not Suggestion.objects.for_need(need).filter(offering=offering).exists()


class OfferingPanelTests:
    def test_the_vendor_sees_matching_needs_on_its_offering(self, client, matched):
        need, offering = matched
        user = offering.organization.memberships.get().user
        html = signed_in(client, user).get(offering.get_absolute_url()).content.decode()
        assert 'id="matching-needs"' in html
        assert need.title in html

    def test_nobody_else_sees_them(self, client, matched):
        need, offering = matched
        for user in (
            None,
            need.organization.memberships.get().user,
            factories.make_organization(kind="vendor").memberships.get().user,
        ):
            client.logout()
            if user:
                client.force_login(user)
            html = client.get(offering.get_absolute_url()).content.decode()
            assert 'id="matching-needs"' not in html

    def test_an_anonymous_posters_name_is_withheld(self, english, matched):
        need, offering = matched
        need.visibility = "anonymous"
        need.save()
        user = offering.organization.memberships.get().user
        html = signed_in(english, user).get(offering.get_absolute_url()).content.decode()
        assert need.title in html
        assert need.organization.name not in html
        assert "Anonymous enterprise" in html


class OpportunitiesTests:
    def test_a_vendor_sees_needs_for_its_offerings_once_each(self, client, matched):
        need, offering = matched
        second = factories.make_offering(organization=offering.organization, title="坐席辅助")
        services.suggestions_rebuild_all()
        user = offering.organization.memberships.get().user
        response = signed_in(client, user).get(reverse("matching:opportunities"))
        assert response.status_code == 200
        rows = response.context["rows"]
        assert [row.need.pk for row in rows] == [need.pk]
        assert {o.pk for o in rows[0].offerings} == {offering.pk, second.pk}

    def test_pages_of_25_needs_best_first_each_need_once(self, client):
        """A vendor matched with many needs reads them 25 at a time, best first (by each need's
        best score over the vendor's offerings), no need twice and none lost between pages."""
        vendor = factories.make_organization(kind="vendor")
        first, second = (factories.make_offering(organization=vendor) for _ in range(2))
        needs = [factories.make_need() for _ in range(30)]
        Suggestion.objects.all().delete()
        for i, need in enumerate(needs):
            for offering, score in ((first, 40.0 + i), (second, 10.0 + i)):
                Suggestion.objects.create(
                    need=need,
                    offering=offering,
                    direction=Direction.FOR_OFFERING,
                    score=score,
                    rank=1,
                )
        user = vendor.memberships.get().user
        page1 = signed_in(client, user).get(reverse("matching:opportunities"))
        page2 = client.get(reverse("matching:opportunities"), {"page": 2})
        rows1, rows2 = page1.context["rows"], page2.context["rows"]
        assert len(rows1) == 25 and len(rows2) == 5
        order = [row.need.pk for row in rows1 + rows2]
        assert order == [need.pk for need in reversed(needs)]
        assert all({o.pk for o in row.offerings} == {first.pk, second.pk} for row in rows1)
        assert [row.score for row in rows1[:2]] == [69.0, 68.0]  # each need's best
        assert 'rel="next"' in page1.content.decode()
        assert "30" in page1.content.decode()  # the count of needs
        # The next page keeps the filters (an offering all 30 needs were suggested for).
        filtered = client.get(reverse("matching:opportunities"), {"offering": first.pk})
        assert f"offering={first.pk}&amp;page=2" in filtered.content.decode()

    def test_filtered_by_one_of_its_offerings_or_by_band(self, client, matched):
        need, offering = matched
        other_need = factories.make_need()
        second = factories.make_offering(organization=offering.organization)
        Suggestion.objects.filter(direction=Direction.FOR_OFFERING).delete()
        for n, o, score in ((need, offering, 80.0), (other_need, second, 55.0)):
            Suggestion.objects.create(
                need=n, offering=o, direction=Direction.FOR_OFFERING, score=score, rank=1
            )
        user = offering.organization.memberships.get().user
        url = reverse("matching:opportunities")

        def needs_of(params):
            return [row.need.pk for row in signed_in(client, user).get(url, params).context["rows"]]

        assert needs_of({}) == [need.pk, other_need.pk]
        assert needs_of({"offering": second.pk}) == [other_need.pk]
        assert needs_of({"band": "strong"}) == [need.pk]
        assert needs_of({"band": "possible"}) == [need.pk, other_need.pk]

    def test_filters_that_match_nothing_say_so(self, english, matched):
        _need, offering = matched
        Suggestion.objects.filter(direction=Direction.FOR_OFFERING).update(score=40.0)
        user = offering.organization.memberships.get().user
        html = (
            signed_in(english, user)
            .get(reverse("matching:opportunities"), {"band": "strong"})
            .content.decode()
        )
        assert "No opportunities match these filters." in html
        assert 'class="match-item"' not in html

    def test_another_organizations_offering_is_a_form_error_not_its_opportunities(
        self, client, english, matched
    ):
        need, offering = matched
        stranger = factories.make_offering()  # another vendor's
        Suggestion.objects.create(
            need=factories.make_need(),
            offering=stranger,
            direction=Direction.FOR_OFFERING,
            score=90.0,
            rank=1,
        )
        user = offering.organization.memberships.get().user
        response = signed_in(english, user).get(
            reverse("matching:opportunities"), {"offering": stranger.pk}
        )
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        shown = {o.organization_id for row in response.context["rows"] for o in row.offerings}
        assert shown <= {offering.organization_id}

    def test_enterprises_may_not_open_it(self, client, matched):
        need, _offering = matched
        user = need.organization.memberships.get().user
        assert signed_in(client, user).get(reverse("matching:opportunities")).status_code == 403

    def test_visitors_are_sent_to_sign_in(self, client):
        response = client.get(reverse("matching:opportunities"))
        assert response.status_code == 302

    def test_vendors_have_a_navigation_link(self, english, matched):
        _need, offering = matched
        user = offering.organization.memberships.get().user
        html = signed_in(english, user).get("/").content.decode()
        assert reverse("matching:opportunities") in html


class DismissViewTests:
    def test_the_owner_hides_a_suggestion(self, client, matched):
        need, offering = matched
        user = need.organization.memberships.get().user
        response = signed_in(client, user).post(
            reverse("matching:dismiss"),
            {"need": need.pk, "offering": offering.pk, "direction": "need", "next": "/x/"},
        )
        assert response.status_code == 302 and response.url == "/x/"
        assert SuggestionFeedback.objects.filter(need=need, offering=offering).exists()
        assert not Suggestion.objects.for_need(need).exists()
        html = client.get(need.get_absolute_url()).content.decode()
        assert offering.title not in html.split('id="suggested-offerings"')[1]

    def test_an_unsafe_next_url_is_ignored(self, client, matched):
        need, offering = matched
        user = need.organization.memberships.get().user
        response = signed_in(client, user).post(
            reverse("matching:dismiss"),
            {
                "need": need.pk,
                "offering": offering.pk,
                "direction": "need",
                "next": "https://evil.example.com/",
            },
        )
        assert response.url == need.get_absolute_url()

    def test_another_organization_cannot_dismiss(self, client, matched):
        need, offering = matched
        stranger = factories.make_organization(kind="enterprise").memberships.get().user
        response = signed_in(client, stranger).post(
            reverse("matching:dismiss"),
            {"need": need.pk, "offering": offering.pk, "direction": "need"},
        )
        assert response.status_code == 403
        assert not SuggestionFeedback.objects.exists()
        assert Suggestion.objects.for_need(need).exists()

    def test_a_need_the_user_may_not_see_is_not_found(self, client):
        offering = factories.make_offering()
        need = factories.make_need(visibility="private")
        user = offering.organization.memberships.get().user
        response = signed_in(client, user).post(
            reverse("matching:dismiss"),
            {"need": need.pk, "offering": offering.pk, "direction": Direction.FOR_OFFERING},
        )
        assert response.status_code == 404

    def test_bad_input_is_a_400(self, client, matched):
        need, _offering = matched
        user = need.organization.memberships.get().user
        response = signed_in(client, user).post(reverse("matching:dismiss"), {"need": "x"})
        assert response.status_code == 400


class SuggestCategoriesTests:
    def test_a_text_gets_likely_sectors_and_application_types(self, client):
        response = client.get(
            reverse("matching:suggest-categories"),
            {
                "text": "银行信用卡中心的客服热线排队严重，希望用智能客服机器人自动回答客户的常见问题"
            },
        )
        assert response.status_code == 200
        data = response.json()
        assert set(data) == {"sectors", "app_types"}
        assert data["sectors"][0]["code"] == "finance"
        assert "qa" in [item["code"] for item in data["app_types"]]
        first = data["sectors"][0]
        assert set(first) == {"id", "code", "name", "probability"}
        assert 0 < first["probability"] <= 1

    def test_post_works_and_long_texts_are_cut(self, client):
        response = client.post(
            reverse("matching:suggest-categories"), {"text": "医院病历" * 50_000}
        )
        assert response.status_code == 200
        assert response.json()["sectors"][0]["code"] == "healthcare"

    def test_an_empty_text_gets_empty_lists(self, client):
        data = client.get(reverse("matching:suggest-categories")).json()
        assert data == {"sectors": [], "app_types": []}

    def test_the_need_form_loads_the_live_suggestions(self, client):
        user = factories.make_organization(kind="enterprise").memberships.get().user
        html = signed_in(client, user).get(reverse("listings:need-create")).content.decode()
        assert reverse("matching:suggest-categories") in html
        assert "js/matching.js" in html


class DashboardPanelTests:
    def test_dashboards_show_suggestion_counts(self, english, matched):
        need, offering = matched
        for user in (
            need.organization.memberships.get().user,
            offering.organization.memberships.get().user,
        ):
            english.force_login(user)
            html = english.get(reverse("connections:dashboard")).content.decode()
            assert "match-dashboard" in html

    def test_the_enterprise_suggestion_count_links_to_where_the_suggestions_are(
        self, english, matched
    ):
        need, _offering = matched
        english.force_login(need.organization.memberships.get().user)
        html = english.get(reverse("connections:dashboard")).content.decode()
        panel = html[html.index("match-dashboard") :]
        panel = panel[: panel.index("</section>")]
        assert "suggested for your open needs" in panel
        assert f'href="{reverse("listings:my-needs")}"' in panel


class ReasonWordingTests:
    def test_the_case_reason_speaks_of_the_vendor_not_the_sector(self):
        from django.utils import translation

        from matchmaking.matching.reason_texts import reason_text

        reason = {"code": "no_case_in_sector", "met": False, "params": {}}
        with translation.override("zh-hans"):
            assert reason_text(reason) == "该厂商在本行业尚无已发布案例"
        with translation.override("en"):
            assert reason_text(reason) == "This vendor has no published case in this sector yet"
        with translation.override("zh-hans"):
            assert "该厂商" in reason_text(
                {"code": "cases_in_sector", "met": True, "params": {"n": 2}}
            )


# --- the owner's view of a need (with its suggestions panel) costs a constant, small number
# of queries, and the panel still shows only offerings that may be matched ------------------

# session, user (+ organization), the need, its taxonomy links, the notification badge, the
# suggestions, similar cases, the connections panel's figures (+ a spare for sign-in details),
# the pending revision, the shared cache's versions (one read per request) and, with no strong
# match, the relax counts and the no-good-match actions' state.
OWNER_NEED_PAGE_MAX = 12


def _offerings(count: int) -> list:
    vendor = factories.make_organization(kind="vendor")
    return [
        factories.make_offering(organization=vendor, title=f"金融智能客服大模型{index}")
        for index in range(count)
    ]


def _owner_page_queries(client, need) -> tuple[int, str]:
    client.get(need.get_absolute_url())  # warm the per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(need.get_absolute_url())
    assert response.status_code == 200
    return len(queries), response.content.decode()


class OwnerNeedPageQueryTests:
    def test_more_suggestions_cost_no_more_queries(self, client):
        need = factories.make_need(title="信用卡中心客服热线分流")
        client.force_login(need.organization.memberships.get().user)
        _offerings(2)
        services.suggestions_rebuild_all()
        assert Suggestion.objects.for_need(need).count() == 2
        few, _html = _owner_page_queries(client, need)

        _offerings(6)
        services.suggestions_rebuild_all()
        assert Suggestion.objects.for_need(need).count() >= 8
        many, html = _owner_page_queries(client, need)
        assert html.count('class="match-item"') >= 8
        assert many == few
        assert many <= OWNER_NEED_PAGE_MAX

    def test_the_page_stays_within_its_budget(self, client, django_assert_max_num_queries):
        need = factories.make_need(title="信用卡中心客服热线分流")
        _offerings(5)
        services.suggestions_rebuild_all()
        client.force_login(need.organization.memberships.get().user)
        client.get(need.get_absolute_url())
        with django_assert_max_num_queries(OWNER_NEED_PAGE_MAX):
            client.get(need.get_absolute_url())

    def test_rows_show_title_vendor_and_reasons_of_published_offerings_only(self, english):
        """Stored suggestions of an offering that was unpublished since are not shown."""
        need = factories.make_need(title="信用卡中心客服热线分流")
        shown, withdrawn = _offerings(2)
        services.suggestions_rebuild_all()
        withdrawn.status = "hidden"
        withdrawn.save(update_fields=["status"])
        assert Suggestion.objects.for_need(need).filter(offering=withdrawn).exists()
        english.force_login(need.organization.memberships.get().user)
        html = english.get(need.get_absolute_url()).content.decode()
        assert shown.title in html
        assert shown.organization.display_name in html
        assert "reason-met" in html
        assert withdrawn.title not in html
