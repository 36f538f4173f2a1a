"""The unified social credit code (统一社会信用代码) validator, GB 32100-2015."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from matchmaking.accounts.validators import uscc_check_character, validate_uscc
from tests.factories import VALID_USCC


def error_code(value: str) -> str:
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(value)
    return excinfo.value.code


class UsccValidatorTests:
    @pytest.mark.parametrize(
        "code",
        [
            VALID_USCC,
            "91350100M000100Y43",
            # Computed the same way the demo seeder does.
            "91110108MA01DEM01" + uscc_check_character("91110108MA01DEM01"),
        ],
    )
    def test_valid_code_is_accepted(self, code):
        """A code with the right length, alphabet and check character passes."""
        validate_uscc(code)

    def test_check_character_is_computed_per_the_standard(self):
        """The worked example's first 17 characters give its published check character."""
        assert uscc_check_character(VALID_USCC[:17]) == VALID_USCC[17]

    def test_wrong_check_character_is_rejected_and_the_right_one_named(self):
        """A typo anywhere changes the check character; the message says what it should be."""
        wrong = VALID_USCC[:17] + ("4" if VALID_USCC[17] != "4" else "5")
        with pytest.raises(ValidationError) as excinfo:
            validate_uscc(wrong)
        assert excinfo.value.code == "uscc_checksum"
        assert VALID_USCC[17] in excinfo.value.messages[0]

    def test_swapped_digits_are_caught_by_the_check_character(self):
        swapped = VALID_USCC[:8] + VALID_USCC[9] + VALID_USCC[8] + VALID_USCC[10:]
        assert swapped != VALID_USCC
        assert error_code(swapped) == "uscc_checksum"

    @pytest.mark.parametrize("code", [VALID_USCC[:17], VALID_USCC + "1", "", "9135"])
    def test_wrong_length_is_rejected_with_the_count(self, code):
        """The message tells how many characters were given."""
        with pytest.raises(ValidationError) as excinfo:
            validate_uscc(code)
        assert excinfo.value.code == "uscc_length"
        assert str(len(code)) in excinfo.value.messages[0]

    def test_lower_case_letters_are_rejected_with_the_upper_case_form(self):
        """Lower case is reported as such (not as a bad check character)."""
        lower = VALID_USCC.lower()
        with pytest.raises(ValidationError) as excinfo:
            validate_uscc(lower)
        assert excinfo.value.code == "uscc_lowercase"
        assert VALID_USCC in excinfo.value.messages[0]

    @pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
    def test_letters_outside_the_alphabet_are_named(self, letter):
        code = VALID_USCC[:10] + letter + VALID_USCC[11:]
        with pytest.raises(ValidationError) as excinfo:
            validate_uscc(code)
        assert excinfo.value.code == "uscc_characters"
        assert letter in excinfo.value.messages[0]

    def test_region_code_must_be_digits(self):
        code = VALID_USCC[:2] + "A" + VALID_USCC[3:]
        assert error_code(code) == "uscc_region"
