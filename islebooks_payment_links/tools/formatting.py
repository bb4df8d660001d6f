"""Amounts and dates of a page, as Odoo's QWeb widgets write them.

A list of invoices shows a few amounts and dates per row. Odoo's ``monetary``
and ``date`` widgets look the language up again for every value (several
cached lookups and a parse of its grouping each time), which is most of what a
row costs to render. ``PageFormatter`` looks it up once per page and then
writes each value exactly as the widgets do (``test_portal_http`` compares
them).
"""

import ast

import babel.dates
from markupsafe import Markup, escape

from odoo.tools.misc import babel_locale_parse, get_lang, posix_to_ldml

from odoo.addons.base.models.res_lang import intersperse


class PageFormatter:
    """``amount(value, currency)``: the HTML of ``ir.qweb.field.monetary``;
    ``date(value)``: the text of ``ir.qweb.field.date`` (``format_date``);
    both in the language of ``env``."""

    def __init__(self, env):
        lang = get_lang(env)
        self._grouping = ast.literal_eval(lang.grouping)
        self._thousands_sep = lang.thousands_sep or ""
        self._decimal_point = lang.decimal_point
        self._locale = babel_locale_parse(lang.code)
        self._date_format = posix_to_ldml(lang.date_format, locale=self._locale)
        self._currencies = {}

    def number(self, value, digits):
        """``res.lang.format(f"%.{digits}f", value, grouping=True)``."""
        integer, *decimals = (f"%.{digits}f" % value).split(".")
        integer = intersperse(integer, self._grouping, self._thousands_sep)[0]
        return self._decimal_point.join([integer, *decimals])

    def amount(self, value, currency):
        """``value`` in ``currency`` as the ``monetary`` widget renders it."""
        digits, pre, post = self._currencies.get(currency.id) or self._currency(currency)
        number = (
            self.number(currency.round(value), digits)
            .replace(" ", "\N{NO-BREAK SPACE}")
            .replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
        )
        # The widget's Markup('{pre}<span ...>{0}</span>{post}').format(...),
        # with the currency's parts escaped once.
        return Markup(f'{pre}<span class="oe_currency_value">{escape(number)}</span>{post}')

    def date(self, value):
        """``value`` (a date) as the ``date`` widget renders it; "" for none."""
        if not value:
            return ""
        return babel.dates.format_date(value, format=self._date_format, locale=self._locale)

    def _currency(self, currency):
        symbol = escape(currency.symbol or "")
        if currency.position == "before":
            info = (currency.decimal_places, f"{symbol}\N{NO-BREAK SPACE}", "")
        else:
            info = (currency.decimal_places, "", f"\N{NO-BREAK SPACE}{symbol}")
        self._currencies[currency.id] = info
        return info
