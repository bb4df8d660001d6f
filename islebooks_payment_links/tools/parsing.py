"""Strict parsers for what the public routes read from a request.

Python's own conversions are too lenient for a public URL: ``"²".isdigit()``
is true and then ``int("²")`` fails, ``float("nan")``, ``float("1e308")`` and
``float(" 0x10 ")``-like inputs reach Odoo's rounding and overflow there. A
value these parsers refuse is answered with a 4xx page or form message.
"""

import re
from decimal import Decimal, InvalidOperation

# ASCII digits only, and short enough to be a PostgreSQL integer.
_ID = re.compile(r"[0-9]{1,10}")
MAX_ID = 2**31 - 1
# A plain decimal number: optional minus, ASCII digits, optional fraction.
_AMOUNT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?")
# Amounts at or above this are nobody's invoice (and overflow money rounding).
MAX_AMOUNT = 10**12


def parse_id(value):
    """``value`` (str or int) as a database id, or None: ASCII digits, 1..2**31-1."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str) or not _ID.fullmatch(value.strip()):
        return None
    number = int(value.strip())
    return number if 0 < number <= MAX_ID else None


def parse_ids(*values, separators=",-"):
    """The ids of ``1,2`` / ``1-2`` strings (or repeated args); None if any part is bad."""
    ids = []
    for value in values:
        text = value if isinstance(value, str) else ""
        for separator in separators[1:]:
            text = text.replace(separator, separators[0])
        for part in text.split(separators[0]):
            if not part.strip():
                continue
            number = parse_id(part)
            if number is None:
                return None
            ids.append(number)
    return ids


def parse_selection(value, item_prefix="r"):
    """``(invoice ids, item ids)`` of a portal selection ``12,15,r7`` (``-``
    separates as well): parts starting with ``item_prefix`` are items; None
    if any part is bad."""
    if not isinstance(value, str):
        return None
    parts = [part.strip() for part in value.replace("-", ",").split(",") if part.strip()]
    items = [part[len(item_prefix) :] for part in parts if part.startswith(item_prefix)]
    ids = parse_ids(",".join(part for part in parts if not part.startswith(item_prefix)))
    item_ids = parse_ids(",".join(items))
    if ids is None or item_ids is None or (items and not all(items)):
        return None
    return ids, item_ids


def parse_page(value, default=1):
    """A page number from the query string: a bad one is the first page."""
    return parse_id(value) or default if isinstance(value, str) else default


def parse_amount(value, decimals=None):
    """``value`` (a JSON number or a decimal string) as a float, or None.

    Refused: anything that is not a plain decimal number (``nan``, ``inf``,
    ``1e5``, ``0x10``, ``1_000``), an absolute value of ``MAX_AMOUNT`` or more,
    and, given ``decimals`` (the currency's), more decimals than the currency
    has. Surrounding spaces are ignored; the sign is kept (callers refuse
    negative amounts with their own message).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation:
            return None
    elif isinstance(value, str) and _AMOUNT.fullmatch(value.strip()):
        number = Decimal(value.strip())
    else:
        return None
    if not number.is_finite() or abs(number) >= MAX_AMOUNT:
        return None
    if decimals is not None and number != round(number, max(decimals, 0)):
        return None
    return float(number)


# Proof files are recognised by their first bytes, never by name or declared type.
PROOF_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def sniff_proof(data):
    """Return ``(mimetype, extension)`` for an accepted proof file, or ``None``."""
    for signature, mimetype, extension in PROOF_SIGNATURES:
        if data.startswith(signature):
            return mimetype, extension
    return None
