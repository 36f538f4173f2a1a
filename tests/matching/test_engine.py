"""The pure matching engine: hard constraints, diversity, reasons, determinism, updates.

These tests need neither Django settings nor the database.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from django.conf import settings

from matchmaking.matching.engine import (
    EngineConfig,
    MatchingEngine,
    NeedDoc,
    OfferingDoc,
    Reason,
    infer_categories,
    reasons_text,
)

ENGINE_DIR = Path(__file__).resolve().parents[2] / "matchmaking" / "matching" / "engine"
# The shared labelled files, next to the checkout (../shared/data); a missing file fails the test.
DATA_DIR = Path(settings.BASE_DIR).parent / "shared" / "data"
FIXTURES = Path(settings.BASE_DIR) / "fixtures"

KF_TEXT = "企业知识库智能问答，员工用自然语言查询规章制度和业务文档，回答附带出处"
CS_TEXT = "银行信用卡中心智能客服机器人，承接来电咨询，坐席辅助和话术推荐"


def offering(ref: str, **kw) -> OfferingDoc:
    fields = {
        "ref": ref,
        "org_ref": f"v-{ref}",
        "title": "智能客服机器人",
        "summary": CS_TEXT,
        "description": CS_TEXT,
        "kind": "product",
        "layer": "application",
        "sectors": ("finance",),
        "app_types": ("qa",),
        "deployment": ("private", "saas"),
        "price_min": 100_000,
        "price_max": 500_000,
        "regions": ("全国",),
        "tags": ("客服",),
    }
    fields.update(kw)
    return OfferingDoc(**fields)


def need(ref: str = "n-1", **kw) -> NeedDoc:
    fields = {
        "ref": ref,
        "org_ref": "e-bank",
        "title": "信用卡中心来电太多，想上智能客服",
        "description": CS_TEXT,
        "sectors": ("finance",),
        "app_types": ("qa",),
        "deployment": (),
        "budget_min": 100_000,
        "budget_max": 500_000,
        "region": "北京",
    }
    fields.update(kw)
    return NeedDoc(**fields)


#: Many tests give several vendors the same text; the copy rule would order those (copies).
NO_COPY_RULE = EngineConfig(copy_cosine=1.0)


def build(offerings, needs=(), config: EngineConfig | None = None) -> MatchingEngine:
    return MatchingEngine(config).fit(list(offerings), list(needs), ())


def refs(suggestions) -> list[str]:
    return [s.target_ref for s in suggestions]


def codes(suggestion) -> set[str]:
    return {r.code for r in suggestion.reasons}


class HardConstraintTests:
    def test_offering_without_an_accepted_deployment_mode_is_never_suggested(self):
        """A need accepting only private deployment never gets a SaaS-only offering."""
        engine = build(
            [offering("o-saas", deployment=("saas",)), offering("o-priv", deployment=("private",))]
        )
        assert refs(engine.rank_offerings(need(deployment=("private",)))) == ["o-priv"]

    def test_need_without_deployment_modes_accepts_any_offering(self):
        engine = build(
            [offering("o-saas", deployment=("saas",)), offering("o-priv", deployment=("private",))]
        )
        assert set(refs(engine.rank_offerings(need(deployment=())))) == {"o-saas", "o-priv"}

    def test_min_price_at_five_times_the_budget_is_excluded(self):
        engine = build([offering("o-dear", price_min=2_500_000), offering("o-ok")])
        assert refs(engine.rank_offerings(need(budget_max=500_000))) == ["o-ok"]

    def test_min_price_between_two_and_five_times_the_budget_is_demoted_with_a_reason(self):
        """Kept, but its budget component is 0 and the reason says the price is above budget."""
        # the same text from two vendors: the copy rule (test_copies.py) would decide the order
        engine = build(
            [offering("o-dear", price_min=1_500_000), offering("o-ok")], config=NO_COPY_RULE
        )
        ranked = engine.rank_offerings(need(budget_max=500_000))
        assert refs(ranked) == ["o-ok", "o-dear"]
        dear = ranked[1]
        assert dear.components["budget"] == 0.0
        assert "price_above_budget" in codes(dear)
        assert "报价下限高于预算" in " ".join(reasons_text(dear.reasons, "zh"))

    def test_min_price_slightly_above_budget_is_softly_demoted(self):
        engine = build([offering("o-near", price_min=600_000)])
        (near,) = engine.rank_offerings(need(budget_max=500_000))
        assert 0.5 <= near.components["budget"] < 1.0
        assert "price_slightly_above_budget" in codes(near)

    def test_the_needs_own_organisation_is_excluded(self):
        engine = build([offering("o-own", org_ref="e-bank"), offering("o-other")])
        assert refs(engine.rank_offerings(need(org_ref="e-bank"))) == ["o-other"]

    def test_excluded_organisations_are_left_out(self):
        engine = build([offering("o-a", org_ref="v-a"), offering("o-b", org_ref="v-b")])
        assert refs(engine.rank_offerings(need(), exclude_org_refs=["v-a"])) == ["o-b"]

    def test_private_need_is_hidden_from_vendors_outside_its_list(self):
        """rank_needs never shows a need with visible_to_orgs to another vendor."""
        private = need("n-private", visible_to_orgs=frozenset({"v-allowed"}))
        public = need("n-public")
        engine = build([offering("o-x")], [private, public])
        seen_by_other = refs(engine.rank_needs(offering("o-x", org_ref="v-other")))
        seen_by_allowed = refs(engine.rank_needs(offering("o-x", org_ref="v-allowed")))
        assert seen_by_other == ["n-public"]
        assert set(seen_by_allowed) == {"n-private", "n-public"}

    def test_private_need_is_only_matched_with_offerings_of_its_listed_vendors(self):
        engine = build([offering("o-a", org_ref="v-allowed"), offering("o-b", org_ref="v-other")])
        ranked = engine.rank_offerings(need(visible_to_orgs=frozenset({"v-allowed"})))
        assert refs(ranked) == ["o-a"]

    def test_rank_needs_applies_deployment_and_budget_constraints_too(self):
        needs = [
            need("n-priv", deployment=("private",)),
            need("n-poor", budget_max=10_000),
            need("n-ok"),
        ]
        engine = build([offering("o-x")], needs)
        ranked = engine.rank_needs(offering("o-x", deployment=("saas",), price_min=100_000))
        assert refs(ranked) == ["n-ok"]


class DiversityTests:
    def test_at_most_two_offerings_of_one_vendor_in_the_top_five(self):
        """Four strong offerings of one vendor leave room for three of other vendors."""
        strong = [offering(f"o-big{i}", org_ref="v-big") for i in range(4)]
        weak = [
            offering(
                f"o-w{i}", org_ref=f"v-w{i}", title="知识问答", summary=KF_TEXT, description=KF_TEXT
            )
            for i in range(4)
        ]
        engine = build(strong + weak)
        top5 = engine.rank_offerings(need(), top_k=10)[:5]
        vendors = [ref for ref in refs(top5) if ref.startswith("o-big")]
        assert len(vendors) == 2
        assert len(engine.rank_offerings(need(), top_k=10)) == 8

    def test_pushed_out_offerings_follow_the_window_in_score_order(self):
        strong = [offering(f"o-big{i}", org_ref="v-big") for i in range(4)]
        other = [
            offering(f"o-w{i}", org_ref=f"v-w{i}", summary=KF_TEXT, description=KF_TEXT)
            for i in range(3)
        ]
        ranked = refs(build(strong + other).rank_offerings(need(), top_k=10))
        assert ranked[5:] == ["o-big2", "o-big3"]


class ReasonTests:
    @pytest.fixture(scope="class")
    def ranked(self):
        offerings = [
            offering(
                "o-match", published_case_sectors=("finance",), org_verified=True, has_filing=True
            ),
            offering(
                "o-health",
                sectors=("healthcare",),
                app_types=("recognition",),
                title="医学影像辅助诊断",
                summary="CT影像肺结节检测",
                description="医院放射科阅片",
                regions=("上海",),
            ),
            offering(
                "o-general", sectors=(), app_types=(), layer="foundation", deployment=("saas",)
            ),
        ]
        engine = build(offerings, config=NO_COPY_RULE)  # o-general has o-match's text
        return engine.rank_offerings(need(deployment=("private", "saas")))

    def test_reasons_agree_with_components(self, ranked):
        for s in ranked:
            assert_consistent(s)

    def test_best_match_lists_what_matches(self, ranked):
        best = ranked[0]
        assert best.target_ref == "o-match"
        assert {
            "sector_match",
            "app_type_match",
            "key_phrases",
            "budget_overlap",
            "cases_in_sector",
        } <= codes(best)
        assert {"verified_vendor", "has_filing", "deployment_ok"} <= codes(best)

    def test_missing_items_are_listed_as_not_met(self, ranked):
        health = next(s for s in ranked if s.target_ref == "o-health")
        missing = {r.code for r in health.reasons if not r.met}
        assert {
            "sector_mismatch",
            "app_type_mismatch",
            "no_case_in_sector",
            "region_mismatch",
        } <= missing

    def test_an_offering_failing_a_must_have_is_never_suggested_either_way(self):
        """信创, data on premises and 备案 are hard constraints, like deployment."""
        ok = offering("o-ok", domestic_hw=True, on_premises=True, has_filing=True)
        fails = {
            "requires_domestic_hw": offering("o-no-hw", on_premises=True, has_filing=True),
            "requires_on_premises": offering("o-no-prem", domestic_hw=True, has_filing=True),
            "requires_filing": offering("o-no-filing", domestic_hw=True, on_premises=True),
        }
        for flag, bad in fails.items():
            strict = need(f"n-{flag}", **{flag: True})
            engine = build([ok, bad], [strict])
            assert refs(engine.rank_offerings(strict)) == ["o-ok"]
            assert refs(engine.rank_needs(bad)) == []
            assert refs(engine.rank_needs(ok)) == [strict.ref]
            ranked = dict(engine.iter_rank_all_needs())
            assert refs(ranked[strict.ref]) == ["o-ok"]
        met = engine.rank_offerings(need(requires_filing=True, requires_domestic_hw=True))[0]
        assert {"has_filing", "domestic_hw_ok"} <= codes(met)

    def test_partial_deployment_support_names_the_missing_mode(self):
        engine = build([offering("o-saas", deployment=("saas",))])
        (s,) = engine.rank_offerings(need(deployment=("private", "saas")))
        missing = next(r for r in s.reasons if r.code == "deployment_missing")
        assert missing.params == {"modes": ["private"]}
        assert "不支持私有化部署" in reasons_text(s.reasons, "zh")
        assert "Does not support private deployment" in reasons_text(s.reasons, "en")

    def test_horizontal_offering_is_explained_as_cross_sector(self, ranked):
        general = next(s for s in ranked if s.target_ref == "o-general")
        assert {"sector_any", "app_type_any"} <= codes(general)

    def test_every_reason_has_zh_and_en_text(self, ranked):
        for s in ranked:
            for lang in ("zh", "en"):
                texts = reasons_text(s.reasons, lang)
                assert all(t and "{" not in t for t in texts)

    def test_no_case_reason_reads_as_in_the_brief(self):
        assert reasons_text([Reason("no_case_in_sector", False, {})]) == ["该厂商在本行业尚无已发布案例"]


class TextBoxTickingTests:
    """Box-ticking in the text (listings/hype.py: sector spread, keyword lists) is demoted like
    box-ticking in the claims: the hype penalty × its severity."""

    SPREAD = (
        "为银行和保险机构建设智能客服；为政府部门提供政策咨询；为医院提供导诊问答；"
        "为制造企业提供产线质检；为景区提供游客咨询；为城市管理部门提供应急指挥辅助。"
    )

    def test_an_offering_naming_every_sector_loses_the_hype_penalty(self):
        spread = offering(
            "o-spread",
            title="企业级大模型应用定制",
            description=self.SPREAD + CS_TEXT,
            sectors=(),
            app_types=(),
        )
        plain = offering("o-plain")
        config = EngineConfig()
        ranked = {s.target_ref: s for s in build([spread, plain]).rank_offerings(need())}
        assert ranked["o-spread"].components["hype"] == pytest.approx(0.6)
        assert ranked["o-plain"].components["hype"] == 0.0
        lenient = dataclasses.replace(config, hype_penalty=0.0)
        unpenalised = {
            s.target_ref: s for s in build([spread, plain], config=lenient).rank_offerings(need())
        }
        lost = unpenalised["o-spread"].score - ranked["o-spread"].score
        assert lost == pytest.approx(0.6 * config.hype_penalty, abs=0.1)
        assert refs(ranked.values())[0] == "o-plain"


def assert_consistent(s) -> None:
    """A met category/text/budget/region reason appears iff its component says so."""
    c, cs = s.components, codes(s)
    assert 0.0 <= s.score <= 100.0
    assert all(0.0 <= v <= 1.0 for v in c.values())
    assert (c["sector"] > 0) == bool(cs & {"sector_match", "sector_inferred", "sector_any"})
    assert (c["app_type"] > 0) == bool(cs & {"app_type_match", "app_type_inferred", "app_type_any"})
    # a text reason only with a text component; a text component without one only from the
    # latent semantic part (semantic.py), which is never shown as words
    text_reasons = bool(cs & {"key_phrases", "text_similar"})
    assert not text_reasons or c["text"] > 0
    assert text_reasons or c["text"] == 0 or c.get("latent", 0) >= c["text"] - 1e-3
    assert (c["budget"] == 1.0) == ("budget_overlap" in cs)
    assert (c["budget"] == 0.0) == bool(cs & {"price_above_budget", "price_unknown"})
    assert (c["region"] == 1.0) == ("region_match" in cs)
    assert (c["region"] == 0.0) == ("region_mismatch" in cs)
    assert (c["kind"] == 0.0) == ("kind_mismatch" in cs)
    if "cases_in_sector" in cs:
        assert c["evidence"] > 0
    assert "sector_mismatch" not in cs or c["sector"] == 0
    assert "app_type_mismatch" not in cs or c["app_type"] == 0


class DeterminismTests:
    def test_two_engines_on_the_same_listings_give_identical_suggestions(self):
        offerings = [offering(f"o-{i}", org_ref=f"v-{i % 3}") for i in range(6)]
        first = build(offerings, config=NO_COPY_RULE).rank_offerings(need())
        second = build(list(reversed(offerings)), config=NO_COPY_RULE).rank_offerings(need())
        assert first == second

    def test_listings_with_dates_rank_alike_in_any_order_copies_included(self):
        """Identical texts of different vendors are copies; their dates say which is first."""
        offerings = [
            offering(f"o-{i}", org_ref=f"v-{i % 3}", created_days_ago=10.0 * i) for i in range(6)
        ]
        first = build(offerings).rank_offerings(need())
        second = build(list(reversed(offerings))).rank_offerings(need())
        assert first == second

    def test_ties_are_broken_by_ref(self):
        offerings = [offering(ref, org_ref=f"v-{ref}") for ref in ("o-c", "o-a", "o-b")]
        ranked = build(offerings, config=NO_COPY_RULE).rank_offerings(need())
        assert len({s.score for s in ranked}) == 1
        assert refs(ranked) == ["o-a", "o-b", "o-c"]

    def test_a_pair_has_the_same_score_in_both_directions(self):
        engine = build([offering("o-1")], [need("n-1")])
        forward = engine.rank_offerings(need("n-1"))[0]
        backward = engine.rank_needs(offering("o-1"))[0]
        assert forward.score == backward.score
        assert forward.components == backward.components

    def test_batch_rebuild_gives_the_same_suggestions_as_one_need_at_a_time(self):
        offerings = [
            offering(f"o-{i}", org_ref=f"v-{i % 4}", price_min=50_000 * (i + 1)) for i in range(12)
        ]
        needs = [need(f"n-{i}", budget_max=100_000 * (i + 1), org_ref=f"e-{i}") for i in range(5)]
        engine = build(offerings, needs)
        batch = dict(engine.iter_rank_all_needs(top_k=5, chunk_size=2))
        for n in needs:
            single = engine.rank_offerings(n, top_k=5)
            assert [(s.target_ref, s.score) for s in batch[n.ref]] == [
                (s.target_ref, s.score) for s in single
            ]


class IncrementalUpdateTests:
    def test_added_offering_is_ranked_without_a_rebuild(self):
        engine = build([offering("o-1")], [need()])
        engine.add_offering(offering("o-2", org_ref="v-new"))
        assert set(refs(engine.rank_offerings(need()))) == {"o-1", "o-2"}

    def test_removed_offering_is_no_longer_suggested(self):
        engine = build([offering("o-1"), offering("o-2")])
        assert engine.remove_offering("o-1")
        assert refs(engine.rank_offerings(need())) == ["o-2"]
        assert not engine.remove_offering("o-1")

    def test_re_adding_an_offering_replaces_it(self):
        engine = build([offering("o-1"), offering("o-2")])
        engine.add_offering(offering("o-1", deployment=("saas",)))
        assert refs(engine.rank_offerings(need(deployment=("private",)))) == ["o-2"]

    def test_delta_segment_merges_into_the_main_one(self):
        engine = build([offering("o-0")], config=EngineConfig(merge_delta_at=3))
        for i in range(1, 7):
            engine.add_offering(offering(f"o-{i}", org_ref=f"v-{i}"))
        assert engine.offerings is not None and len(engine.offerings) == 7
        assert len(engine.rank_offerings(need(), top_k=10)) == 7

    def test_added_and_removed_needs_show_in_rank_needs(self):
        engine = build([offering("o-1")], [need("n-1")])
        engine.add_need(need("n-2", org_ref="e-2"))
        engine.remove_need("n-1")
        assert refs(engine.rank_needs(offering("o-1"))) == ["n-2"]


class CategoryInferenceTests:
    def test_lexicon_alone_suggests_sector_and_application_type(self):
        """With no platform data the shipped lexicon still recognises everyday domain words."""
        result = infer_categories("医院门诊病人多，医生写电子病历太费时间")
        assert result["sectors"][0][0] == "healthcare"
        assert result["app_types"][0][0] == "content_generation"

    def test_probabilities_cover_every_code_and_sum_to_one(self):
        result = infer_categories("工厂产线质检靠人工目检，漏检多")
        for family in ("sectors", "app_types", "kinds"):
            assert sum(p for _, p in result[family]) == pytest.approx(1.0, abs=1e-3)
        assert result["sectors"][0][0] == "industry"
        assert result["app_types"][0][0] == "recognition"

    def test_fitted_engine_uses_the_offerings_categories(self):
        offerings = [
            offering(
                "o-q",
                sectors=("industry",),
                app_types=("recognition",),
                title="钢板表面瑕疵",
                summary="钢板瑕疵",
            )
        ]
        engine = build(offerings)
        assert engine.infer_categories("钢板表面瑕疵")["sectors"][0][0] == "industry"

    def test_compute_words_suggest_the_compute_kind(self):
        kinds = dict(infer_categories("需要租用GPU算力集群做模型训练")["kinds"])
        assert kinds["compute"] > 0.5


class LexiconExtensionTests:
    def test_extra_synonyms_make_two_wordings_match(self):
        """A DB-edited synonym group bridges words the shipped lexicon does not know."""
        o = offering(
            "o-1",
            title="甲乙丙产品",
            summary="甲乙丙",
            description="甲乙丙",
            tags=(),
            sectors=(),
            app_types=(),
        )
        n = need(title="丁戊己", description="丁戊己", sectors=(), app_types=())
        plain = build([o]).rank_offerings(n)[0]
        extended = MatchingEngine(lexicon_extra={"synonyms": [["甲乙丙", "丁戊己"]]}).fit(
            [o], [], ()
        )
        assert plain.components["text"] == 0
        assert extended.rank_offerings(n)[0].components["text"] > 0

    def test_extra_vocabulary_is_evidence_for_its_category(self):
        engine = MatchingEngine(lexicon_extra={"sectors": {"finance": ["庚辛壬癸"]}})
        scores = engine.infer_categories("庚辛壬癸庚辛壬癸")
        assert scores["sectors"][0][0] == "finance"


class PurityTests:
    def test_engine_package_does_not_import_django(self):
        for path in ENGINE_DIR.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "import django" not in text and "from django" not in text, path


class QualityTests:
    """Guards the measured quality on the two labelled development files (MEASUREMENTS.md)."""

    @pytest.mark.parametrize(
        ("name", "min_ndcg5"),
        [("matching-dev.json", 0.90), ("matching-dev-paraphrased.json", 0.80)],
    )
    def test_engine_keeps_its_measured_quality_and_breaks_no_hard_constraint(self, name, min_ndcg5):
        from matchmaking.matching.engine.evaluate import engine_ranker, evaluate, load_file

        ds = load_file(DATA_DIR / name)
        report = evaluate(ds, {"engine": engine_ranker(ds)})["engine"]
        assert report.ndcg5 >= min_ndcg5
        assert report.viol5 == 0.0

    @pytest.mark.parametrize(
        ("name", "min_ndcg5"),
        [("matching-adversarial.json", 0.90), ("matching-adversarial-2.json", 0.95)],
    )
    def test_adversarial_file_no_breach_no_box_ticking_in_any_top5(self, name, min_ndcg5):
        """Our own trap files (stuffing, hype, must-haves, negation, no good match)."""
        from matchmaking.matching.engine.evaluate import engine_ranker, evaluate, load_file

        ds = load_file(FIXTURES / name)
        report = evaluate(ds, {"engine": engine_ranker(ds)})["engine"]
        assert report.ndcg5 >= min_ndcg5
        assert report.viol5 == 0.0
        assert report.must5 == 0.0
        assert report.stuff5 == 0.0

    @pytest.mark.parametrize("name", ["matching-aligned-2.json", "matching-aligned-3.json"])
    def test_independent_aligned_files_keep_the_aligned_target(self, name):
        """Aligned files written and labelled by writers who never saw the engine (stop 30):
        the issue's target for unseen aligned files, nDCG@5 ≥ 0.92, with no breach, must-have
        failure or box-ticking offering in any top 5 (measured 0.948 and 0.940)."""
        from matchmaking.matching.engine.evaluate import engine_ranker, evaluate, load_file

        ds = load_file(FIXTURES / name)
        report = evaluate(ds, {"engine": engine_ranker(ds)})["engine"]
        assert report.ndcg5 >= 0.92
        assert (report.viol5, report.must5, report.stuff5) == (0.0, 0.0, 0.0)

    @pytest.mark.parametrize("name", ["matching-aligned-2.json", "matching-aligned-3.json"])
    @pytest.mark.parametrize("strategy", ["1_text_stuffing", "4_title_stuffing", "2_need_echo_22"])
    def test_an_offering_written_to_be_found_by_every_need_stays_out_of_most_top5s(
        self, name, strategy
    ):
        """The gaming probe's offerings (``tools.bench gaming``: no categories, every
        deployment mode, a filing, 信创, a price any budget fits) whose text names every
        sector's clients, whose title is a keyword list, or which lists the 22 words the
        file's needs use most, added to a file written by others. Before the text box-ticking
        flags the first two sat in the top 5 of 67–88 % of its needs; before the hub measure
        (hubs.py) the short echo sat in 79–83 %."""
        from matchmaking.matching.engine.evaluate import load_dataset
        from tools.bench.gaming import GAME_REF, strategies

        data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
        offering, organization = strategies(data, None, echo_words=(22,))[strategy]
        data["organizations"].append(organization)
        data["offerings"].append(offering)
        ds = load_dataset(data)
        engine = MatchingEngine().fit(ds.offerings, ds.needs, ds.cases)
        tops = [refs(engine.rank_offerings(n, top_k=5)) for n in ds.needs]
        assert sum(GAME_REF in top for top in tops) / len(tops) <= 0.25

    def test_second_paraphrased_file_beats_bm25_clearly(self):
        """Our second file of business-language needs without categories."""
        from matchmaking.matching.engine.evaluate import (
            bm25_ranker,
            engine_ranker,
            evaluate,
            load_file,
        )

        ds = load_file(FIXTURES / "matching-paraphrased-2.json")
        reports = evaluate(ds, {"engine": engine_ranker(ds), "bm25": bm25_ranker(ds)})
        assert reports["engine"].ndcg5 >= 0.85
        assert reports["engine"].ndcg5 >= reports["bm25"].ndcg5 + 0.10
        assert reports["engine"].viol5 == 0.0


def test_suggestion_is_a_frozen_value():
    s = build([offering("o-1")]).rank_offerings(need())[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.score = 1.0  # type: ignore[misc]


@pytest.mark.parametrize("name", ["matching-dev.json", "matching-dev-paraphrased.json"])
@pytest.mark.parametrize("first", [0.02, 0.2])
def test_candidate_generation_ranks_the_dev_files_exactly_like_the_dense_path(name, first):
    from matchmaking.matching.engine.evaluate import load_file

    ds = load_file(DATA_DIR / name)
    # 60 offerings: a small first stage makes the candidate bound decide (pool = top_k + 40)
    engine = MatchingEngine(EngineConfig(first_candidates=first)).fit(
        ds.offerings, ds.needs, ds.cases
    )
    dense = MatchingEngine(EngineConfig(candidate_generation=False)).fit(
        ds.offerings, ds.needs, ds.cases
    )
    for n in ds.needs:
        for top_k in (5, 10):
            assert engine.rank_offerings(n, top_k=top_k) == dense.rank_offerings(n, top_k=top_k)
    assert list(engine.iter_rank_all_needs()) == list(dense.iter_rank_all_needs())
