"""The bigram substring index answers exactly what a scan with ``in`` answers."""

from __future__ import annotations

import random

import numpy as np
import pytest

from matchmaking.listings.browse.substrings import BigramPostings, SearchColumn

TEXTS = [
    "智能客服与知识库问答系统",
    "客服机器人，支持多轮对话",
    "金融风控大模型 gpt-4 私有化部署",
    "",
    "aaa bbb",
    "知识",
    "库存管理：知识图谱",
    "a\x00b",
    "医疗影像辅助诊断",
]


def scan(texts, term):
    return [position for position, text in enumerate(texts) if term in text.replace("\x00", " ")]


class BigramPostingsTests:
    @pytest.mark.parametrize(
        "term",
        [
            "客服",
            "知识库",
            "知识",
            "识库",
            "大模型",
            "gpt-4",
            "aa",
            "aaa",
            "aaaa",
            "a b",
            "a",
            "库",
            "服与知",
            "不存在",
            "智能客服与知识库问答系统",
            "影像辅助诊断",
            "\x00",
            "b b",
        ],
    )
    def test_each_term_finds_the_same_texts_as_a_scan(self, term):
        """Exact answers for terms of any length, overlapping repeats and absent characters;
        a term never matches across two texts."""
        postings = BigramPostings(TEXTS)
        assert postings.rows_containing(term).tolist() == scan(TEXTS, term)

    def test_a_term_spanning_the_end_of_one_text_and_the_start_of_the_next_matches_nothing(self):
        postings = BigramPostings(["ab", "cd"])
        assert postings.rows_containing("bc").tolist() == []

    def test_the_mask_marks_the_matching_texts(self):
        postings = BigramPostings(TEXTS)
        assert np.flatnonzero(postings.mask("客服")).tolist() == scan(TEXTS, "客服")

    def test_random_texts_and_terms_agree_with_a_scan(self):
        """Property check over a small alphabet (many repeats and overlaps)."""
        rng = random.Random(11)
        alphabet = "客服知识库ab "
        texts = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(300)
        ]
        postings = BigramPostings(texts)
        for _ in range(300):
            term = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
            assert postings.rows_containing(term).tolist() == scan(texts, term), term

    def test_no_texts(self):
        postings = BigramPostings([])
        assert postings.rows_containing("客服").tolist() == []


class SearchColumnTests:
    """A search column followed through edits, additions and removals answers like a scan of
    the current texts, and starts afresh when too many rows changed."""

    def _check(self, column, texts, terms):
        for term in terms:
            assert column.rows_containing(term).tolist() == scan(texts, term), term

    def test_following_edits_additions_and_removals(self):
        ids = np.arange(1, len(TEXTS) + 1)
        column = SearchColumn(ids, TEXTS)
        # newest first, as the browse order: a new row on top, one edited, one removed
        new_ids = np.array([99, *ids[:3], *ids[4:]])
        new_texts = ["新的客服知识库", *TEXTS[:1], "已改：医疗知识库", TEXTS[2], *TEXTS[4:]]
        followed = SearchColumn.follow(column, new_ids, new_texts)
        assert followed.base is column.base  # followed, not rebuilt
        self._check(followed, new_texts, ["客服", "知识库", "知识", "医疗", "aaa", "gpt-4", "库"])

    def test_following_twice_keeps_answering_like_a_scan(self):
        rng = random.Random(5)
        alphabet = "客服知识库ab"
        ids = list(range(1, 501))
        texts = ["".join(rng.choice(alphabet) for _ in range(12)) for _ in ids]
        column = SearchColumn(np.array(ids), texts)
        for _round in range(2):
            for _ in range(5):
                texts[rng.randrange(len(texts))] = "".join(rng.choice(alphabet) for _ in range(9))
            ids, texts = [max(ids) + 1, *ids[:-1]], ["客服知识", *texts[:-1]]
            column = SearchColumn.follow(column, np.array(ids), texts)
            self._check(column, texts, ["客服", "知识库", "ab", "a", "服知识"])

    def test_many_changes_build_a_new_base(self, monkeypatch):
        monkeypatch.setattr(SearchColumn, "REBUILD_MINIMUM", 1)
        ids = np.arange(1, len(TEXTS) + 1)
        column = SearchColumn(ids, TEXTS)
        changed = [text + "改" for text in TEXTS]
        followed = SearchColumn.follow(column, ids, changed)
        assert followed.base is not column.base
        self._check(followed, changed, ["改", "客服改", "知识"])
