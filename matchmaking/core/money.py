"""Amounts of money (CNY) as a reader of the active language expects them.

Chinese readers count in 万 (10⁴) and 亿 (10⁸): ¥50万, ¥1.2亿, ¥8,000. English readers get the
full figure with thousands separators: ¥500,000. One function, used by the `money` and
`money_range` template filters and wherever a view writes an amount into a label.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import get_language

WAN = 10**4
YI = 10**8


def _is_chinese(language: str | None) -> bool:
    return (language or get_language() or "").lower().startswith("zh")


def _grouped(value: Decimal) -> str:
    """12345.5 → '12,345.5'; whole numbers without decimals."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _in_unit(value: Decimal, unit: int) -> str | None:
    """`value` in `unit`s with at most two decimals, or None when that would round it."""
    scaled = value / unit
    if scaled * 100 != (scaled * 100).to_integral_value():
        return None
    return _grouped(scaled)


def format_amount(value, language: str | None = None) -> str:
    """The number without the currency sign: '50万' / '500,000'; '' for None or non-numbers."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not _is_chinese(language) or abs(amount) < WAN:
        return _grouped(amount)
    if abs(amount) >= YI:
        yi = _in_unit(amount, YI)
        if yi is not None:
            return f"{yi}亿"
    wan = _in_unit(amount, WAN)
    if wan is not None:
        return f"{wan}万"
    return _grouped(amount)


def format_money(value, language: str | None = None) -> str:
    """'¥50万' / '¥500,000'; '' for None."""
    text = format_amount(value, language)
    return f"¥{text}" if text else ""
