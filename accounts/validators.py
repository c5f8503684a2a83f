import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BUSINESS_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
_BUSINESS_ID_INPUT = re.compile(r"^(\d{6,7})-?(\d)$")


def business_id_check_digit(digits: str) -> int | None:
    """The check digit of a Business ID's seven digits, or None when none is ever issued for them."""
    remainder = sum(int(d) * w for d, w in zip(digits, BUSINESS_ID_WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


def normalise_business_id(value: str) -> str:
    """Return a Business ID (Y-tunnus) in the form NNNNNNN-T, or raise ValidationError.

    Accepts the ID with or without the hyphen and old six-digit IDs (a leading zero is added).
    A weighted sum whose remainder mod 11 is 1 is never issued and is rejected.
    """
    match = _BUSINESS_ID_INPUT.match((value or "").strip())
    if not match:
        raise ValidationError(_("Enter the Business ID in the form 1234567-8."), code="business_id_format")
    digits, check = match.group(1).zfill(7), int(match.group(2))
    if check != business_id_check_digit(digits):
        raise ValidationError(
            _("%(value)s is not a valid Business ID: the check digit does not match."),
            code="business_id_checksum",
            params={"value": value},
        )
    return f"{digits}-{check}"


def validate_business_id(value: str) -> None:
    """Model-field validator: the stored value must already be normalised."""
    if normalise_business_id(value) != value:
        raise ValidationError(_("Enter the Business ID in the form 1234567-8."), code="business_id_format")
