"""A copy of a competitor's offering (engine ``RankingMixin.demote_copies``): near-identical
text from another organisation, published later, ranks behind the original and every other
offering, although it scores like the original and is fresher."""

from __future__ import annotations

import dataclasses

from matchmaking.matching.engine import EngineConfig
from tests.matching.test_engine import KF_TEXT, build, need, offering, refs

OTHER_TEXT = "银行网点智能客服与远程视频柜员，客户经理助手，理财产品问答"


def market(original_age: float = 200.0, copy_age: float = 1.0):
    """The original (old), a copy by another vendor (new: fresher), two honest others."""
    return [
        offering("o-original", org_ref="v-original", created_days_ago=original_age),
        offering(
            "o-copy",
            org_ref="v-copier",
            title="智能客服机器人（专业版）",
            created_days_ago=copy_age,
        ),
        offering("o-other", org_ref="v-other", summary=OTHER_TEXT, description=OTHER_TEXT),
        offering("o-kb", org_ref="v-kb", summary=KF_TEXT, description=KF_TEXT),
    ]


class CopyTests:
    def test_the_later_copy_ranks_behind_the_original_and_every_other_offering(self):
        engine = build(market())
        found = engine.rank_offerings(need(), top_k=10)
        score = {s.target_ref: s.score for s in found}
        assert score["o-copy"] > score["o-original"]  # fresher: it would have come first
        assert refs(found)[0] == "o-original"
        assert refs(found)[-1] == "o-copy"

    def test_without_the_rule_the_copy_comes_first(self):
        engine = build(market(), config=EngineConfig(copy_cosine=1.0))
        assert refs(engine.rank_offerings(need(), top_k=10))[0] == "o-copy"

    def test_the_earlier_one_is_the_original_whoever_is_fresher_in_the_index(self):
        """If the copier published first, the other is the copy."""
        engine = build(market(original_age=1.0, copy_age=200.0))
        assert refs(engine.rank_offerings(need(), top_k=10))[-1] == "o-original"

    def test_published_at_the_same_instant_the_larger_ref_goes_behind_in_any_order(self):
        docs = market(original_age=0.0, copy_age=0.0)  # "o-original" > "o-copy"
        for listed in (docs, list(reversed(docs))):
            assert refs(build(listed).rank_offerings(need(), top_k=10))[-1] == "o-original"

    def test_a_labelled_file_counts_its_order_as_the_order_of_publication(self):
        """A file has no dates; the importer creates its listings in its order."""
        from matchmaking.matching.engine.evaluate import load_dataset

        data = {
            "format": "llm-match/v1",
            "organizations": [],
            "needs": [],
            "offerings": [
                {"ref": ref, "org": f"v-{ref}", "title": "智能客服机器人"} for ref in ("o-b", "o-a")
            ],
        }
        first, second = load_dataset(data).offerings
        assert first.created_days_ago > second.created_days_ago > 0  # o-b was published first

    def test_the_texts_date_decides_not_the_listings(self):
        """A copier's listing published first but rewritten into the copy yesterday
        (``text_days_ago``) is the copy (listings/text_dating.py dates the text)."""
        docs = market(original_age=30.0, copy_age=200.0)
        docs[1] = dataclasses.replace(docs[1], text_days_ago=1.0)
        assert refs(build(docs).rank_offerings(need(), top_k=10))[-1] == "o-copy"
        docs[0] = dataclasses.replace(docs[0], text_days_ago=0.5)  # the original rewritten later
        assert refs(build(docs).rank_offerings(need(), top_k=10))[-1] == "o-original"

    def test_a_copy_added_after_the_build_is_still_the_copy(self):
        docs = market()
        engine = build([d for d in docs if d.ref != "o-copy"])
        engine.add_offering(docs[1])
        assert refs(engine.rank_offerings(need(), top_k=10))[-1] == "o-copy"

    def test_an_original_edited_after_the_build_stays_the_original(self):
        """Re-indexing the original (an edit) puts it in the delta segment, after the copy;
        its publication date still decides."""
        docs = market(original_age=30.0, copy_age=5.0)
        engine = build(docs)
        engine.add_offering(docs[0])
        assert engine.offerings.delta is not None
        assert refs(engine.rank_offerings(need(), top_k=10))[-1] == "o-copy"

    def test_two_listings_of_one_vendor_are_not_copies(self):
        docs = market()
        docs[1] = offering(
            "o-copy", org_ref="v-original", title="智能客服机器人（专业版）", created_days_ago=1.0
        )
        ranked = refs(build(docs).rank_offerings(need(), top_k=10))
        assert ranked[:2] == ["o-copy", "o-original"]

    def test_two_buyers_with_the_same_need_both_stay_in_a_vendors_opportunities(self):
        engine = build(
            [offering("o-1")],
            [need("n-first", org_ref="e-a"), need("n-second", org_ref="e-b")],
        )
        assert sorted(refs(engine.rank_needs(offering("o-1"), top_k=10))) == [
            "n-first",
            "n-second",
        ]


class CopiesOfTests:
    """``copies_of``: what a moderator is told before a text goes live."""

    def test_a_proposed_copy_names_the_competitors_original(self):
        docs = market()
        engine = build([d for d in docs if d.ref != "o-copy"])
        found = engine.copies_of(docs[1])  # not indexed: a revision waiting for review
        assert [ref for ref, _ in found] == ["o-original"]
        assert found[0][1] >= engine.config.copy_cosine

    def test_the_vendors_own_listings_and_different_texts_are_not_named(self):
        docs = market()
        engine = build([d for d in docs if d.ref != "o-copy"])
        own = dataclasses.replace(docs[1], org_ref="v-original")
        assert engine.copies_of(own) == []
        assert engine.copies_of(docs[2]) == []  # o-other: a different text

    def test_a_withdrawn_original_is_not_named(self):
        docs = market()
        engine = build([d for d in docs if d.ref != "o-copy"])
        engine.remove_offering("o-original")
        assert engine.copies_of(docs[1]) == []

    def test_with_the_rule_off_nothing_is_named(self):
        docs = market()
        engine = build([d for d in docs if d.ref != "o-copy"], config=EngineConfig(copy_cosine=1.0))
        assert engine.copies_of(docs[1]) == []
