"""Property tests of the engine over random listings (hypothesis; no Django, no DB)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaking.matching.engine import (
    APP_TYPES,
    DEPLOYMENTS,
    KINDS,
    LAYERS,
    SECTORS,
    EngineConfig,
    MatchingEngine,
    NeedDoc,
    OfferingDoc,
)

from .test_engine import assert_consistent

PHRASES = [
    "智能客服机器人承接来电咨询",
    "电子病历自动生成与质控",
    "产线外观缺陷检测",
    "政务热线工单自动派单",
    "研报初稿自动撰写",
    "城市视频事件识别",
    "景区智能导览讲解",
    "代码助手提升研发效率",
    "经营报表自然语言问数",
    "GPU算力租赁",
    "高质量行业数据集",
    "信贷风控反欺诈",
]
PRICES = st.one_of(
    st.none(), st.sampled_from([10_000, 50_000, 100_000, 300_000, 1_000_000, 5_000_000])
)
CONFIG = EngineConfig(workers=1)
FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def subset(values):
    return st.lists(st.sampled_from(values), max_size=3, unique=True).map(tuple)


@st.composite
def offerings(draw, i: int) -> OfferingDoc:
    text = "，".join(draw(st.lists(st.sampled_from(PHRASES), min_size=1, max_size=3)))
    price_min = draw(PRICES)
    return OfferingDoc(
        ref=f"o-{i:03d}",
        org_ref=draw(st.sampled_from(["v-a", "v-b", "v-c", "v-d", "e-x"])),
        title=text[:12],
        summary=text,
        description=text,
        kind=draw(st.sampled_from(KINDS)),
        layer=draw(st.one_of(st.none(), st.sampled_from(LAYERS))),
        sectors=draw(subset(SECTORS)),
        app_types=draw(subset(APP_TYPES)),
        deployment=draw(subset(DEPLOYMENTS)),
        price_min=price_min,
        price_max=None if price_min is None else price_min * 3,
        regions=draw(subset(["全国", "北京", "河北", "上海"])),
        tags=(),
        org_verified=draw(st.booleans()),
        has_filing=draw(st.booleans()),
        domestic_hw=draw(st.booleans()),
        on_premises=draw(st.booleans()),
        published_case_sectors=draw(subset(SECTORS)),
        created_days_ago=draw(st.floats(0, 1000)),
    )


@st.composite
def needs(draw, i: int = 0) -> NeedDoc:
    text = "，".join(draw(st.lists(st.sampled_from(PHRASES), min_size=1, max_size=2)))
    budget = draw(PRICES)
    visible = draw(st.one_of(st.none(), st.frozensets(st.sampled_from(["v-a", "v-b"]), max_size=2)))
    return NeedDoc(
        ref=f"n-{i:03d}",
        org_ref=draw(st.sampled_from(["e-x", "e-y"])),
        title=text[:10],
        description=text,
        sectors=draw(subset(SECTORS)),
        app_types=draw(subset(APP_TYPES)),
        deployment=draw(subset(DEPLOYMENTS)),
        budget_min=None,
        budget_max=budget,
        region=draw(st.one_of(st.none(), st.sampled_from(["北京", "河北唐山", "上海"]))),
        requires_domestic_hw=draw(st.booleans()),
        requires_on_premises=draw(st.booleans()),
        requires_filing=draw(st.booleans()),
        visible_to_orgs=visible,
    )


@st.composite
def market(draw):
    n_off = draw(st.integers(1, 12))
    offs = [draw(offerings(i)) for i in range(n_off)]
    n_need = draw(st.integers(1, 4))
    return offs, [draw(needs(i)) for i in range(n_need)]


def allowed(need: NeedDoc, off: OfferingDoc, factor: float) -> bool:
    """The hard constraints, written independently of the engine."""
    if need.deployment and not set(need.deployment) & set(off.deployment):
        return False
    if (
        need.budget_max is not None
        and off.price_min is not None
        and off.price_min >= factor * need.budget_max
    ):
        return False
    if need.org_ref == off.org_ref:
        return False
    if (
        (need.requires_domestic_hw and not off.domestic_hw)
        or (need.requires_on_premises and not off.on_premises)
        or (need.requires_filing and not off.has_filing)
    ):
        return False  # a must-have is a hard constraint
    return need.visible_to_orgs is None or off.org_ref in need.visible_to_orgs


class EnginePropertyTests:
    @FAST
    @given(market())
    def test_hard_constraints_are_never_broken_in_either_direction(self, data):
        offs, ns = data
        engine = MatchingEngine(CONFIG).fit(offs, ns, ())
        by_ref = {o.ref: o for o in offs}
        need_by_ref = {n.ref: n for n in ns}
        for n in ns:
            ranked = engine.rank_offerings(n, top_k=len(offs))
            assert all(allowed(n, by_ref[s.target_ref], CONFIG.budget_hard_factor) for s in ranked)
            # and nothing allowed is lost
            assert {s.target_ref for s in ranked} == {
                o.ref for o in offs if allowed(n, o, CONFIG.budget_hard_factor)
            }
        for o in offs:
            for s in engine.rank_needs(o, top_k=len(ns)):
                assert allowed(need_by_ref[s.target_ref], o, CONFIG.budget_hard_factor)

    @FAST
    @given(market())
    def test_scores_are_bounded_and_reasons_agree_with_components(self, data):
        offs, ns = data
        engine = MatchingEngine(CONFIG).fit(offs, ns, ())
        for n in ns:
            for s in engine.rank_offerings(n, top_k=len(offs)):
                assert_consistent(s)
        for o in offs[:3]:
            for s in engine.rank_needs(o):
                assert_consistent(s)

    @FAST
    @given(market())
    def test_ranking_is_deterministic(self, data):
        offs, ns = data
        first = MatchingEngine(CONFIG).fit(offs, ns, ())
        second = MatchingEngine(CONFIG).fit(list(reversed(offs)), ns, ())
        for n in ns:
            assert first.rank_offerings(n) == second.rank_offerings(n)
            assert first.rank_offerings(n) == first.rank_offerings(n)

    @FAST
    @given(market())
    def test_no_vendor_holds_more_than_two_of_the_top_five_when_others_are_available(self, data):
        offs, ns = data
        engine = MatchingEngine(CONFIG).fit(offs, ns, ())
        for n in ns:
            ranked = engine.rank_offerings(n, top_k=len(offs))
            orgs = [next(o.org_ref for o in offs if o.ref == s.target_ref) for s in ranked]
            top = orgs[:5]
            for org in set(top):
                if top.count(org) > 2:
                    # only allowed when the list has no offering of another vendor left to use
                    others_after = [x for x in orgs[5:] if top.count(x) < 2]
                    assert not others_after

    @FAST
    @given(market())
    def test_fast_ranking_total_equals_the_sum_of_the_explained_components(self, data):
        """Ranking uses a fused float32 total; it must agree with the reported components."""
        offs, ns = data
        engine = MatchingEngine(CONFIG).fit(offs, ns, ())
        seg = engine.offerings.main
        for n in ns:
            an = engine.analyzer.analyze(n.title + "\n" + n.title + "\n" + n.description)
            q = engine.vectorizer.transform([an.features])
            nv = engine.need_arrays([n], [an], q)
            text = (seg.X @ q.T).T.toarray()
            region = engine.region_mask(seg, n.region)
            region = (region if region is not None else text[0] * 0 + 0.5)[None, :]
            fast = engine.fast_total(nv, seg.arrays, text, region)
            slow = engine.score(engine.components(nv, seg.arrays, text, region))
            assert abs(fast - slow).max() < 1e-3


def _dense(engine: MatchingEngine) -> MatchingEngine:
    """The same fitted engine, scoring every offering (candidate generation off)."""
    import copy
    import dataclasses

    dense = copy.copy(engine)
    dense.config = dataclasses.replace(engine.config, candidate_generation=False)
    return dense


class CandidateGenerationTests:
    """Scoring only the candidates gives exactly the rankings of scoring every offering."""

    @FAST
    @given(market(), st.sampled_from([0.02, 0.1, 1.0]))
    def test_candidates_rank_exactly_like_the_dense_path_on_random_data(self, data, first):
        import dataclasses

        offs, ns = data
        # a small first stage makes the bound do the work even with few offerings
        config = dataclasses.replace(CONFIG, first_candidates=first)
        engine = MatchingEngine(config).fit(offs, ns, ())
        dense = _dense(engine)
        for n in ns:
            for top_k in (1, 3, len(offs)):
                assert engine.rank_offerings(n, top_k=top_k) == dense.rank_offerings(n, top_k=top_k)
            assert engine.rank_offerings(n, exclude_org_refs=["v-a"]) == (
                dense.rank_offerings(n, exclude_org_refs=["v-a"])
            )
        assert list(engine.iter_rank_all_needs(top_k=3)) == list(dense.iter_rank_all_needs(top_k=3))

    def test_candidates_rank_exactly_like_the_dense_path_on_synthetic_listings(self):
        from matchmaking.matching.engine.bench import Synth

        synth = Synth(seed=11)
        offs = [synth.offering(i) for i in range(600)]  # > 4 × pool size: real candidates
        ns = [synth.need(i) for i in range(40)]
        engine = MatchingEngine(CONFIG).fit(offs[:560], ns, ())
        for o in offs[560:]:  # a delta segment too
            engine.add_offering(o)
        engine.remove_offering(offs[3].ref)
        dense = _dense(engine)
        for n in ns:
            assert engine.rank_offerings(n, top_k=10) == dense.rank_offerings(n, top_k=10)
        assert list(engine.iter_rank_all_needs(top_k=10)) == list(
            dense.iter_rank_all_needs(top_k=10)
        )


def _assert_score_bound_holds(engine: MatchingEngine, ns) -> None:
    """``fast_total ≤ u + bound`` for every offering: what makes candidates exact."""
    from matchmaking.matching.engine.documents import need_text
    from matchmaking.matching.engine.ranking import score_bound

    for seg in engine.offerings.segments:
        for n in ns:
            an = engine.analyzer.analyze(need_text(n))
            q = engine.vectorizer.transform([an.features])
            nv = engine.need_arrays([n], [an], q)
            text = seg.X[:, q.indices] @ q.data
            region = engine.region_mask(seg, n.region)
            region = text * 0 + 0.5 if region is None else region
            total = engine.fast_total(nv, seg.arrays, text[None, :], region[None, :])[0]
            u, bound = score_bound(engine.config, engine.weights, nv, seg, text)
            assert (total <= u + bound + 1e-3).all()


class ScoreBoundTests:
    @FAST
    @given(market())
    def test_score_bound_holds_on_random_data(self, data):
        offs, ns = data
        _assert_score_bound_holds(MatchingEngine(CONFIG).fit(offs, ns, ()), ns)

    def test_score_bound_holds_on_synthetic_listings(self):
        from matchmaking.matching.engine.bench import Synth

        synth = Synth(seed=5)
        offs = [synth.offering(i) for i in range(300)]
        ns = [synth.need(i) for i in range(30)]
        _assert_score_bound_holds(MatchingEngine(CONFIG).fit(offs, ns, ()), ns)
