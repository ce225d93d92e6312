import pytest

from digiamen.core.digits import DigitsField, digits_only, normalize_digits


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("12٣4", "1234"),
    ],
)
def test_normalize_digits(typed: str, expected: str) -> None:
    assert normalize_digits(typed) == expected


def test_grouping_is_ignored() -> None:
    assert digits_only("١٢٣٤ ٥٦٧٨-9012\u00a03456") == "1234567890123456"


def test_digits_field() -> None:
    field = DigitsField(max_length=10)
    assert field.clean(" ١٢٣ ٤٥٦ ") == "123456"
