"""WhatsApp numbers through Odoo's ``phone_validation`` (``phone_parse`` / ``phone_format``).

What is added here is only what a WhatsApp number needs beyond Odoo's parsing:
refusing letters (``phonenumbers`` reads them as a keypad), ``00`` as the
international prefix whatever the country, and a reason per refusal so the
contact form says what to fix.
"""

import re

import phonenumbers

from odoo.exceptions import UserError

from odoo.addons.phone_validation.tools.phone_validation import phone_format

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
    region = region.upper() if region else None
    try:
        e164 = phone_format(candidate, region, None, force_format="E164")
    except UserError as error:
        raise PhoneNumberError(_refusal_reason(candidate, region)) from error
    if not candidate.startswith("+") and not e164.startswith(
        f"+{phonenumbers.country_code_for_region(region)}"
    ):
        # Odoo retries a too-long local number as an international one: a
        # number typed without + or 00 is the contact's country's.
        raise PhoneNumberError("too_long")
    return e164


def _refusal_reason(candidate, region):
    """Why Odoo's ``phone_parse`` refused ``candidate``, as a key of ``REASONS``."""
    try:
        parsed = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException as error:
        return {
            phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "country_code",
            phonenumbers.NumberParseException.TOO_SHORT_NSN: "too_short",
            phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too_short",
            phonenumbers.NumberParseException.TOO_LONG: "too_long",
        }.get(error.error_type, "invalid")
    return {
        phonenumbers.ValidationResult.TOO_SHORT: "too_short",
        phonenumbers.ValidationResult.TOO_LONG: "too_long",
        phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "country_code",
    }.get(phonenumbers.is_possible_number_with_reason(parsed), "invalid")


def to_international(e164):
    """``+9607771234`` -> ``+960 777-1234``, for people to read."""
    return phone_format(e164, None, None, force_format="INTERNATIONAL", raise_exception=False)
