"""Amounts of money: 万/亿 for Chinese readers, full figures with separators in English."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from matchmaking.core.money import format_amount, format_money


class FormatAmountTests:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (0, "0"),
            (8000, "8,000"),
            (10_000, "1万"),
            (500_000, "50万"),
            (2_500_000, "250万"),
            (1_250_000, "125万"),
            (15_000, "1.5万"),
            (123_400, "12.34万"),
            (120_000_000, "1.2亿"),
            (100_000_000, "1亿"),
            (123_450_000, "12,345万"),  # not a round number of 亿: stays in 万
            (12_345, "12,345"),  # 万 would need more than two decimals: the full figure
        ],
    )
    def test_chinese_amounts_use_wan_and_yi_where_natural(self, value, expected):
        assert format_amount(value, "zh-hans") == expected

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (500_000, "500,000"),
            (2_500_000, "2,500,000"),
            (8000, "8,000"),
            (120_000_000, "120,000,000"),
        ],
    )
    def test_english_amounts_are_full_figures_with_thousands_separators(self, value, expected):
        assert format_amount(value, "en") == expected

    def test_nothing_for_no_amount(self):
        assert format_money(None, "zh-hans") == ""
        assert format_money(None, "en") == ""

    def test_money_filter_follows_the_active_language(self):
        template = Template("{% load money %}{{ amount|money }}")
        with translation.override("zh-hans"):
            assert template.render(Context({"amount": 500_000})) == "¥50万"
        with translation.override("en"):
            assert template.render(Context({"amount": 500_000})) == "¥500,000"
