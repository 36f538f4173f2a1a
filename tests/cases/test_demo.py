"""The demo cases seeder (seed_demo, order 30)."""

from __future__ import annotations

import json
from io import StringIO

import pytest

from matchmaking.accounts.models import Organization
from matchmaking.cases.demo import DEMO_CASES_FIXTURE, seed_cases
from matchmaking.cases.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_vendors(db):
    refs = {r["vendor"] for r in json.loads(DEMO_CASES_FIXTURE.read_text())["cases"]}
    return [Organization.objects.create(kind="vendor", name=ref, ref=ref) for ref in sorted(refs)]


class SeedCasesTests:
    def test_without_the_demo_vendors_it_skips_with_a_message(self):
        out = StringIO()
        assert seed_cases({}, out) == []
        assert "do not exist" in out.getvalue()
        assert not Case.objects.exists()

    def test_seeds_the_white_paper_cases_and_illustrative_ones_published(self, demo_vendors):
        seed_cases({}, StringIO())
        assert Case.objects.count() == Case.objects.published().count() == 8
        white_paper = Case.objects.filter(from_white_paper=True)
        assert {c.vendor.ref for c in white_paper} == {"demo-v-xianyuan", "demo-v-360"}
        assert {c.client for c in white_paper} == {"北京一轻科技集团", "某银行"}
        bank = white_paper.get(vendor__ref="demo-v-360")
        assert [(m.name, m.value) for m in bank.metrics.all()] == [("办公文档处理时间", "-40%")]
        assert not white_paper.get(vendor__ref="demo-v-xianyuan").metrics.exists()
        for case in Case.objects.filter(from_white_paper=False):
            assert "示例" in case.title
        assert Case.objects.filter(is_featured=True).count() >= 2
        assert not Case.objects.filter(overall_score__isnull=True).exists()

    def test_running_it_again_changes_nothing(self, demo_vendors):
        seed_cases({}, StringIO())
        before = list(Case.objects.order_by("pk").values_list("pk", "updated_at"))
        assert seed_cases({}, StringIO()) == []
        assert list(Case.objects.order_by("pk").values_list("pk", "updated_at")) == before
