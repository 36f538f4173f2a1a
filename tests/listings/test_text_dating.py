"""The date of an offering's text (listings/text_dating.py): the copy rule compares it, so a
listing rewritten into other words after review is new text, while edits keep the date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from matchmaking.listings import services
from matchmaking.listings.models import Offering
from matchmaking.listings.text_dating import SAME_TEXT_JACCARD, text_similarity
from matchmaking.matching import adapters
from matchmaking.matching.engine import EngineConfig, MatchingEngine
from matchmaking.matching.engine.documents import NeedDoc
from tests import factories

pytestmark = pytest.mark.django_db

ORIGINAL_TITLE = "港口集装箱堆场智能调度大模型"
ORIGINAL = (
    "面向港口码头的集装箱堆场智能调度系统，基于大模型理解船期、堆存计划与作业指令，"
    "自动生成岸桥、场桥和集卡的协同作业计划，缩短船舶在港时间，降低翻箱率。"
)
PLACEHOLDER = "企业数字化转型咨询服务，提供信息化规划、流程梳理与系统选型建议。"


def _ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def _revise(offering, staff, **fields):
    services.offering_update(offering=offering, **fields)
    services.revision_approve(revision=services.pending_revision(offering), by=staff)
    offering.refresh_from_db()
    return offering


@pytest.fixture
def placeholder(db):
    """A listing published long ago, with other text, as a moderator approved it."""
    text = {"title": "数字化转型咨询", "summary": "信息化规划咨询", "description": PLACEHOLDER}
    return factories.make_offering(
        **text,
        reviewed_text=text,
        published_at=_ago(300),
        sectors=("industry",),
        app_types=("data_analysis",),
    )


class SimilarityTests:
    def test_an_added_sentence_is_the_same_text_and_a_rewrite_is_not(self):
        text = {"title": ORIGINAL_TITLE, "summary": "", "description": ORIGINAL}
        edited = dict(text, description=ORIGINAL + "支持与码头操作系统对接。")
        rewritten = {"title": "数字化转型咨询", "summary": "", "description": PLACEHOLDER}
        assert text_similarity(text, edited) >= SAME_TEXT_JACCARD
        assert text_similarity(text, rewritten) < 0.1


class DatingTests:
    def test_a_first_approval_dates_the_text_now(self, vendor, staff):
        offering = factories.make_offering(organization=vendor, status="pending")
        before = timezone.now()
        services.offering_approve(offering=offering, by=staff)
        offering.refresh_from_db()
        assert offering.text_since >= before
        assert offering.dated_text["title"] == offering.title

    def test_an_edit_of_the_same_text_keeps_its_date(self, placeholder, staff):
        published = placeholder.published_at
        _revise(placeholder, staff, description=PLACEHOLDER + "另可提供数据治理与安全评估服务。")
        assert placeholder.text_since == published
        assert placeholder.dated_text["description"] == PLACEHOLDER  # the dated text

    def test_a_rewrite_into_other_words_is_new_text_dated_now(self, placeholder, staff):
        before = timezone.now()
        _revise(
            placeholder, staff, title=ORIGINAL_TITLE, summary="港口堆场调度", description=ORIGINAL
        )
        assert placeholder.text_since >= before
        assert placeholder.dated_text["description"] == ORIGINAL
        assert placeholder.published_at < before  # the listing keeps its publication

    def test_small_steps_add_up_against_the_dated_text(self, placeholder, staff):
        """Each approved step is close to the previous text; together they are a rewrite."""
        published = placeholder.published_at
        half = PLACEHOLDER[: len(PLACEHOLDER) // 2]
        _revise(placeholder, staff, description=half + ORIGINAL[: len(ORIGINAL) // 3])
        _revise(placeholder, staff, description=ORIGINAL[: 2 * len(ORIGINAL) // 3])
        _revise(
            placeholder, staff, title=ORIGINAL_TITLE, summary="港口堆场调度", description=ORIGINAL
        )
        assert placeholder.text_since > published

    def test_a_hidden_listing_rewritten_and_approved_again_is_new_text(self, placeholder, staff):
        services.offering_hide(offering=placeholder, by=staff, reason="资料不全")
        placeholder.refresh_from_db()
        services.offering_update(offering=placeholder, title=ORIGINAL_TITLE, description=ORIGINAL)
        services.offering_submit(offering=placeholder)
        before = timezone.now()
        services.offering_approve(offering=placeholder, by=staff)
        placeholder.refresh_from_db()
        assert placeholder.text_since >= before
        assert placeholder.published_at < before

    def test_a_listing_approved_again_with_its_text_keeps_the_date(self, placeholder, staff):
        services.offering_hide(offering=placeholder, by=staff, reason="资料不全")
        services.offering_submit(offering=Offering.objects.get(pk=placeholder.pk))
        services.offering_approve(offering=Offering.objects.get(pk=placeholder.pk), by=staff)
        placeholder.refresh_from_db()
        assert placeholder.text_since == placeholder.published_at


class CopierWhoPublishedFirstTests:
    """The gaming case: publish a placeholder early, wait for a competitor's listing, then
    rewrite the placeholder into its text. The listing is older; its text is not."""

    def test_the_rewritten_placeholder_ranks_behind_the_original(self, placeholder, staff):
        original = factories.make_offering(
            title=ORIGINAL_TITLE,
            summary="港口堆场调度",
            description=ORIGINAL,
            published_at=_ago(30),
            sectors=("industry",),
            app_types=("data_analysis",),
        )
        _revise(
            placeholder,
            staff,
            title=ORIGINAL_TITLE + "（旗舰版）",
            summary="港口堆场调度",
            description=ORIGINAL,
        )
        docs = adapters.offering_documents()
        engine = MatchingEngine(EngineConfig()).fit(docs.offerings, [], [])
        need = NeedDoc(
            ref="n-port",
            org_ref="buyer",
            title="港口堆场作业调度优化",
            description="希望用大模型生成岸桥和场桥的作业计划，减少翻箱，缩短船舶在港时间。",
            sectors=("industry",),
            app_types=(),
            deployment=(),
            budget_min=None,
            budget_max=None,
            region=None,
        )
        ranked = [s.target_ref for s in engine.rank_offerings(need, top_k=10)]
        pk_of = docs.offering_pk_by_ref
        order = [pk_of[ref] for ref in ranked]
        assert order.index(original.pk) < order.index(placeholder.pk)


class ImportedTextTests:
    """An admin's import publishes text as an approval does: it is the reviewed text, dated
    from the file's publication, and a later approval compares with it."""

    @staticmethod
    def _import(vendor, *, description=ORIGINAL, title=ORIGINAL_TITLE, status="published"):
        from matchmaking.listings.io.importer import import_data

        vendor.ref = "v-port"
        vendor.save()
        record = {
            "ref": "o-port",
            "org": "v-port",
            "title": title,
            "description": description,
            "kind": "product",
            "status": status,
            "published_at": "2026-01-05T08:00:00+08:00",
        }
        report = import_data({"format": "llm-match/v1", "offerings": [record]})
        assert report.ok, report.errors
        return Offering.objects.get(ref="o-port")

    def test_an_imported_listing_is_dated_from_its_publication(self, vendor):
        offering = self._import(vendor)
        assert offering.text_since == offering.published_at
        assert offering.published_at.year == 2026 and offering.published_at.month == 1
        assert offering.dated_text["description"] == ORIGINAL
        assert offering.reviewed_text["description"] == ORIGINAL

    def test_hidden_and_approved_again_it_keeps_the_date(self, vendor, staff):
        offering = self._import(vendor)
        services.offering_hide(offering=offering, by=staff, reason="资料不全")
        services.offering_submit(offering=Offering.objects.get(pk=offering.pk))
        services.offering_approve(offering=Offering.objects.get(pk=offering.pk), by=staff)
        offering.refresh_from_db()
        assert offering.text_since == offering.published_at < _ago(30)

    def test_a_reimport_that_rewrites_the_text_dates_it_now(self, vendor):
        self._import(vendor)
        before = timezone.now()
        offering = self._import(vendor, title="数字化转型咨询", description=PLACEHOLDER)
        assert offering.text_since >= before
        assert offering.dated_text["description"] == PLACEHOLDER

    def test_a_reimport_of_a_listing_published_before_dating_keeps_its_date(self, vendor):
        offering = self._import(vendor)
        Offering.objects.filter(pk=offering.pk).update(
            reviewed_text={}, dated_text={}, text_since=None
        )
        offering = self._import(vendor, description=ORIGINAL + "支持与码头操作系统对接。")
        assert offering.text_since == offering.published_at

    def test_a_pending_listing_is_dated_when_it_is_approved(self, vendor, staff):
        offering = self._import(vendor, status="pending")
        assert offering.text_since is None and offering.reviewed_text == {}
        before = timezone.now()
        services.offering_approve(offering=offering, by=staff)
        offering.refresh_from_db()
        assert offering.text_since >= before
