"""WhatsApp texts' amounts, and the URL that opens a chat with the text typed in."""

import re
from urllib.parse import quote

from odoo.tools import format_amount


def format_totals(env, totals, lang):
    """``{currency: amount}`` as one text, e.g. ``$ 1,200.00 + 300.00 €``; zeros left out."""
    return " + ".join(
        format_amount(env, amount, currency, lang_code=lang)
        for currency, amount in totals.items()
        if not currency.is_zero(amount)
    )


def whatsapp_url(e164, text, web=False):
    """The URL opening a chat with ``e164`` and ``text`` typed in, ready to send.

    The whole text is percent-encoded as UTF-8 (``safe=""``): ``&``, ``#``,
    ``?``, ``%``, newlines, emoji and right-to-left scripts all survive.
    """
    digits = re.sub(r"\D", "", e164 or "")
    encoded = quote(text or "", safe="")
    if web:
        return f"https://web.whatsapp.com/send?phone={digits}&text={encoded}"
    return f"https://wa.me/{digits}?text={encoded}"
