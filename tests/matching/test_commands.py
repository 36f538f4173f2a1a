"""Commands other tools depend on: suggest_matches (JSON contract), evaluate_matching, others."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from matchmaking.listings.io.importer import import_file
from matchmaking.matching.models import Suggestion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_engine")]

DEV_FILE = str(Path(settings.BASE_DIR).parent / "shared" / "data" / "matching-dev.json")
METRICS = ["nDCG@5", "nDCG@10", "P@3", "MRR", "Recall@10", "viol@5", "must@5", "stuff@5"]
ADVERSARIAL = str(Path(settings.BASE_DIR) / "fixtures" / "matching-adversarial.json")


@pytest.fixture
def imported():
    report = import_file(DEV_FILE)
    assert report.ok, report.errors
    return json.load(open(DEV_FILE, encoding="utf-8"))


def run(*args) -> list:
    out = StringIO()
    call_command("suggest_matches", *args, stdout=out)
    return json.loads(out.getvalue())


class SuggestMatchesTests:
    def test_need_output_has_the_documented_shape(self, imported):
        data = run("--need", "n-001", "--format", "json")
        assert isinstance(data, list) and len(data) == 1
        entry = data[0]
        assert set(entry) == {"need", "matches"} and entry["need"] == "n-001"
        assert 0 < len(entry["matches"]) <= 10
        offering_refs = {o["ref"] for o in imported["offerings"]}
        for match in entry["matches"]:
            assert set(match) == {"offering", "score", "reasons"}
            assert match["offering"] in offering_refs
            assert isinstance(match["score"], float) and 0 <= match["score"] <= 100
            assert match["reasons"] and all(isinstance(r, str) for r in match["reasons"])
        scores = [m["score"] for m in entry["matches"]]
        assert scores == sorted(scores, reverse=True)

    def test_top_limits_the_matches(self, imported):
        assert len(run("--need", "n-001", "--top", "3", "--format", "json")[0]["matches"]) == 3

    def test_offering_output_is_the_mirror(self, imported):
        entry = run("--offering", "o-001", "--format", "json")[0]
        assert set(entry) == {"offering", "matches"} and entry["offering"] == "o-001"
        need_refs = {n["ref"] for n in imported["needs"]}
        for match in entry["matches"]:
            assert set(match) == {"need", "score", "reasons"}
            assert match["need"] in need_refs

    def test_all_needs_covers_every_open_need(self, imported):
        data = run("--all-needs", "--top", "5", "--format", "json")
        assert sorted(e["need"] for e in data) == sorted(n["ref"] for n in imported["needs"])
        assert all(len(e["matches"]) <= 5 for e in data)

    def test_reasons_follow_the_language(self, imported):
        english = run("--need", "n-001", "--format", "json", "--language", "en")
        chinese = run("--need", "n-001", "--format", "json")
        assert english[0]["matches"][0]["offering"] == chinese[0]["matches"][0]["offering"]
        assert any(ch >= "\u4e00" for ch in "".join(chinese[0]["matches"][0]["reasons"]))

    def test_hard_constraints_hold_in_the_output(self, imported):
        offerings = {o["ref"]: o for o in imported["offerings"]}
        for entry in run("--all-needs", "--format", "json"):
            need = next(n for n in imported["needs"] if n["ref"] == entry["need"])
            for match in entry["matches"]:
                offering = offerings[match["offering"]]
                if need["deployment"]:
                    assert set(need["deployment"]) & set(offering["deployment"])
                if need.get("budget_max") and offering.get("price_min"):
                    assert offering["price_min"] < 5 * need["budget_max"]

    def test_an_unknown_ref_is_a_clear_error(self, imported):
        with pytest.raises(CommandError, match="n-missing"):
            run("--need", "n-missing", "--format", "json")

    def test_exactly_one_target_is_required(self):
        with pytest.raises(CommandError):
            run("--format", "json")


class RebuildCommandTests:
    def test_rebuild_stores_suggestions_for_the_imported_listings(self, imported):
        out = StringIO()
        call_command("rebuild_suggestions", stdout=out)
        assert "suggestions stored" in out.getvalue()
        assert Suggestion.objects.filter(direction="need").values("need").distinct().count() == 30
        assert Suggestion.objects.filter(direction="offering").exists()

    def test_workers_sets_the_ranking_processes_and_the_lists_stay_the_same(self, imported):
        call_command("rebuild_suggestions", "--workers", "1", stdout=StringIO())
        one = sorted(Suggestion.objects.values_list("need", "offering", "direction", "rank"))
        out = StringIO()
        call_command("rebuild_suggestions", "--workers", "2", stdout=out)
        assert "in 2 ranking processes" in out.getvalue()
        assert (
            sorted(Suggestion.objects.values_list("need", "offering", "direction", "rank")) == one
        )


class EvaluateMatchingTests:
    def test_prints_the_metrics_for_the_engine_and_bm25(self):
        out = StringIO()
        call_command("evaluate_matching", DEV_FILE, stdout=out)
        text = out.getvalue()
        lines = text.splitlines()
        header = next(line for line in lines if line.startswith("method"))
        for name in METRICS:
            assert name in header
        engine = next(line for line in lines if line.startswith("engine"))
        bm25 = next(line for line in lines if line.startswith("BM25"))
        assert len(engine.split()) == 9 and len(bm25.split()) == 10
        assert [float(v) for v in engine.split()[-3:]] == [0.0, 0.0, 0.0]  # viol, must, stuff

    def test_prints_must_have_breaches_and_box_ticking_on_the_trap_file(self):
        """BM25 puts must-have breaches and a box-ticking offering in some top 5; the engine none."""
        out = StringIO()
        call_command("evaluate_matching", ADVERSARIAL, stdout=out)
        lines = out.getvalue().splitlines()
        engine = next(line for line in lines if line.startswith("engine")).split()
        bm25 = next(line for line in lines if line.startswith("BM25")).split()
        assert float(bm25[-2]) > 0 and float(bm25[-1]) > 0
        assert float(engine[-2]) == 0.0 and float(engine[-1]) == 0.0
        assert float(engine[1]) >= 0.90

    def test_a_private_need_is_ranked_as_its_own_list_is(self, tmp_path):
        """A private need's own list holds every offering (its audience limits who sees the
        need): the evaluation ranks it so, not against its audience's offerings only."""
        data = {
            "format": "llm-match/v1",
            "organizations": [
                {"ref": "v-one", "kind": "vendor", "name": "一号智能"},
                {"ref": "e-one", "kind": "enterprise", "name": "一号银行"},
            ],
            "offerings": [
                {
                    "ref": "o-qa",
                    "org": "v-one",
                    "title": "银行智能客服问答",
                    "summary": "信用卡客服问答",
                    "description": "信用卡账单分期问答机器人",
                    "kind": "product",
                    "sectors": ["finance"],
                    "app_types": ["qa"],
                    "deployment": ["private"],
                },
            ],
            "needs": [
                {
                    "ref": "n-private",
                    "org": "e-one",
                    "title": "信用卡客服问答",
                    "description": "信用卡账单分期问题多，想要智能客服问答",
                    "sectors": ["finance"],
                    "app_types": ["qa"],
                    "deployment": ["private"],
                    "visibility": "private",
                },
            ],
            "labels": [{"need": "n-private", "offering": "o-qa", "grade": 3}],
        }
        path = tmp_path / "private.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        out = StringIO()
        call_command("evaluate_matching", str(path), stdout=out)
        engine = next(line for line in out.getvalue().splitlines() if line.startswith("engine"))
        assert float(engine.split()[1]) == 1.0  # nDCG@5

    def test_a_missing_file_is_a_clear_error(self):
        with pytest.raises(CommandError, match="not found"):
            call_command("evaluate_matching", "/nonexistent.json", stdout=StringIO())
