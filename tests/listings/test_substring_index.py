"""The bigram substring index answers exactly what a scan with ``in`` answers."""

from __future__ import annotations

import random

import numpy as np
import pytest

from matchmaking.listings.substring_index import SubstringIndex

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


class SubstringIndexTests:
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
        index = SubstringIndex(TEXTS)
        assert index.rows_containing(term).tolist() == scan(TEXTS, term)

    def test_a_term_spanning_the_end_of_one_text_and_the_start_of_the_next_matches_nothing(self):
        index = SubstringIndex(["ab", "cd"])
        assert index.rows_containing("bc").tolist() == []

    def test_the_mask_marks_the_matching_texts(self):
        index = SubstringIndex(TEXTS)
        assert np.flatnonzero(index.mask("客服")).tolist() == scan(TEXTS, "客服")

    def test_random_texts_and_terms_agree_with_a_scan(self):
        """Property check over a small alphabet (many repeats and overlaps)."""
        rng = random.Random(11)
        alphabet = "客服知识库ab "
        texts = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(300)
        ]
        index = SubstringIndex(texts)
        for _ in range(300):
            term = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
            assert index.rows_containing(term).tolist() == scan(texts, term), term

    def test_no_texts(self):
        index = SubstringIndex([])
        assert index.rows_containing("客服").tolist() == []
