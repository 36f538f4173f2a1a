"""How prices, budgets and the range filters read in Chinese and in English."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


class RangePlaceholderTests:
    @pytest.mark.parametrize(
        ("list_name", "low", "high"),
        [("listings:offering-list", "price_min", "price_max"),
         ("listings:need-list", "budget_min", "budget_max")],
    )  # fmt: skip
    def test_range_placeholders_read_lowest_and_highest_in_chinese(
        self, client, list_name, low, high
    ):
        content = client.get(reverse(list_name)).content.decode()
        assert f'name="{low}"' in content
        field = content[content.index(f'name="{low}"') :]
        assert 'placeholder="最低"' in field[: field.index(">")]
        field = content[content.index(f'name="{high}"') :]
        assert 'placeholder="最高"' in field[: field.index(">")]
        assert 'placeholder="发起方"' not in content

    def test_range_placeholders_in_english(self, english):
        content = english.get(reverse("listings:offering-list")).content.decode()
        assert 'placeholder="from"' in content
        assert 'placeholder="up to"' in content


class AmountDisplayTests:
    def test_offering_price_in_wan_in_chinese(self, client):
        offering = factories.make_offering(price_min=500_000, price_max=2_500_000)
        assert "¥50万–250万" in client.get(reverse("listings:offering-list")).content.decode()
        assert "¥50万–250万" in client.get(offering.get_absolute_url()).content.decode()

    def test_offering_price_with_separators_in_english(self, english):
        offering = factories.make_offering(price_min=500_000, price_max=2_500_000)
        assert "¥500,000–2,500,000" in english.get(offering.get_absolute_url()).content.decode()

    def test_need_budget_in_wan_in_chinese_and_full_in_english(self, english):
        need = factories.make_need(budget_min=300_000, budget_max=1_200_000)
        assert "¥30万–120万" in Client().get(need.get_absolute_url()).content.decode()
        assert "¥300,000–1,200,000" in english.get(need.get_absolute_url()).content.decode()

    def test_filter_chips_show_amounts_the_same_way(self, english):
        url = reverse("listings:offering-list") + "?price_min=500000"
        chinese = Client().get(url).content.decode()
        assert "：¥50万" in chinese
        assert "¥500,000" in english.get(url).content.decode()
