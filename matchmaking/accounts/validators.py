"""Validators for organization identifiers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015: the unified social credit code (统一社会信用代码) uses 31 characters —
# digits and upper-case letters without I, O, S, V and Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_LENGTH = 18


def uscc_check_character(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a code."""
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    """Check a unified social credit code and say precisely what is wrong."""
    if len(value) != USCC_LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)s.")
            % {"count": len(value)},
            code="uscc_length",
        )
    if value != value.upper():
        raise ValidationError(
            _("Letters in a unified social credit code must be upper case (e.g. %(upper)s).")
            % {"upper": value.upper()},
            code="uscc_lowercase",
        )
    bad = sorted({ch for ch in value if ch not in USCC_ALPHABET})
    if bad:
        raise ValidationError(
            _(
                "A unified social credit code may contain only digits and upper-case letters "
                "other than I, O, S, V and Z; found: %(chars)s."
            )
            % {"chars": " ".join(bad)},
            code="uscc_characters",
        )
    if not value[2:8].isdigit():
        raise ValidationError(
            _(
                "Characters 3–8 of a unified social credit code are the region code and must be digits."
            ),
            code="uscc_region",
        )
    expected = uscc_check_character(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _(
                "The last character (the check character) does not match the first 17: "
                "it should be %(expected)s, not %(actual)s. Please check the code for typos."
            )
            % {"expected": expected, "actual": value[17]},
            code="uscc_checksum",
        )
