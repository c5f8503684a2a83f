import pytest
from django.core.exceptions import ValidationError

from accounts.validators import normalise_business_id


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("0245437-2", "0245437-2"),  # the agency itself
        ("0246246-0", "0246246-0"),  # Kela: check digit 0 from remainder 0
        ("0201256-6", "0201256-6"),  # City of Helsinki
        ("02012566", "0201256-6"),  # without the hyphen
        (" 0201256-6 ", "0201256-6"),
        ("245437-2", "0245437-2"),  # an old six-digit ID gets its leading zero
    ],
)
def test_valid_business_ids_are_normalised(given, stored):
    assert normalise_business_id(given) == stored


@pytest.mark.parametrize("given", ["0245437-3", "1234567-8", "abc", "", "02454372-1", "0245437_2"])
def test_invalid_business_ids_are_rejected(given):
    with pytest.raises(ValidationError):
        normalise_business_id(given)


def test_remainder_one_is_never_valid():
    """No check digit makes an ID valid when the weighted sum leaves remainder 1 (never issued)."""
    weights = (7, 9, 10, 5, 8, 4, 2)
    digits = next(
        f"{n:07d}"
        for n in range(1000)
        if sum(int(d) * w for d, w in zip(f"{n:07d}", weights, strict=True)) % 11 == 1
    )
    for check in range(10):
        with pytest.raises(ValidationError):
            normalise_business_id(f"{digits}-{check}")
