"""The one place the addon talks to ``phonenumbers`` (as Odoo's phone_validation does)."""

import re

import phonenumbers

# What people type around the digits: spaces, dashes, dots, slashes, brackets.
_ALLOWED = re.compile(r"^\(?\+?[\d\s().\-/]+$")


class PhoneNumberError(ValueError):
    """A number that cannot be used; ``reason`` is one of the keys of ``REASONS``."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


REASONS = (
    "empty",
    "letters",
    "no_country",
    "country_code",
    "too_short",
    "too_long",
    "invalid",
)


def to_e164(number, region=None):
    """Return ``number`` in E.164 (``+9607771234``) or raise ``PhoneNumberError``.

    ``region`` (ISO code, e.g. ``"MV"``) is used when the number carries no
    country code. ``00`` is accepted as the international prefix whatever the
    region, since that is how most of the world types it.
    """
    number = (number or "").strip()
    if not number:
        raise PhoneNumberError("empty")
    if not _ALLOWED.match(number):
        # phonenumbers reads letters as a keypad (1-800-FLOWERS): refuse them.
        raise PhoneNumberError("letters")
    digits = re.sub(r"\D", "", number)
    if number.lstrip("( ").startswith("+"):
        candidate = "+" + digits
    elif digits.startswith("00"):
        candidate = "+" + digits[2:]
    elif region:
        candidate = digits
    else:
        raise PhoneNumberError("no_country")
    try:
        parsed = phonenumbers.parse(candidate, region.upper() if region else None)
    except phonenumbers.NumberParseException as error:
        raise PhoneNumberError(
            {
                phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "country_code",
                phonenumbers.NumberParseException.TOO_SHORT_NSN: "too_short",
                phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too_short",
                phonenumbers.NumberParseException.TOO_LONG: "too_long",
            }.get(error.error_type, "invalid")
        ) from error
    possible = phonenumbers.is_possible_number_with_reason(parsed)
    if possible == phonenumbers.ValidationResult.TOO_SHORT:
        raise PhoneNumberError("too_short")
    if possible == phonenumbers.ValidationResult.TOO_LONG:
        raise PhoneNumberError("too_long")
    if possible == phonenumbers.ValidationResult.INVALID_COUNTRY_CODE:
        raise PhoneNumberError("country_code")
    if not phonenumbers.is_valid_number(parsed):
        raise PhoneNumberError("invalid")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def to_international(e164):
    """``+9607771234`` -> ``+960 777-1234``, for people to read."""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
