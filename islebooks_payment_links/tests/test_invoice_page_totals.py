import re

from odoo import Command
from odoo.tests import tagged

from .common import PaymentLinksHttpCommon


@tagged("post_install", "-at_install")
class TestInvoicePageTotals(PaymentLinksHttpCommon):
    """The totals of the invoice page are read from the stored journal items
    (#16) and equal, row for row, what Odoo's tax engine shows on its own
    invoice documents (``tax_totals``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        country = cls.company.account_fiscal_country_id
        Group = cls.env["account.tax.group"]
        cls.group_vat = Group.create({"name": "VAT 15%", "sequence": 10, "country_id": country.id})
        cls.group_green = Group.create(
            {
                "name": "Green levy",
                "sequence": 20,
                "country_id": country.id,
                "preceding_subtotal": "Total before levy",
            }
        )
        Tax = cls.env["account.tax"]
        cls.vat = Tax.create({"name": "VAT 15%", "amount": 15, "tax_group_id": cls.group_vat.id})
        cls.levy = Tax.create({"name": "Levy 5%", "amount": 5, "tax_group_id": cls.group_green.id})
        cls.vat_included = Tax.create(
            {
                "name": "VAT 15% incl.",
                "amount": 15,
                "price_include_override": "tax_included",
                "tax_group_id": cls.group_vat.id,
            }
        )
        accounts = {
            "profit_account_id": cls.company_data["default_account_revenue"].id,
            "loss_account_id": cls.company_data["default_account_expense"].id,
        }
        Rounding = cls.env["account.cash.rounding"]
        cls.rounding_line = Rounding.create(
            {"name": "0.05 line", "rounding": 0.05, "strategy": "add_invoice_line", **accounts}
        )
        cls.rounding_tax = Rounding.create(
            {"name": "0.05 tax", "rounding": 0.05, "strategy": "biggest_tax", **accounts}
        )
        cls.epd_term = cls.env["account.payment.term"].create(
            {
                "name": "2% 10 days, 30 days",
                "early_discount": True,
                "discount_percentage": 2,
                "discount_days": 10,
                "early_pay_discount_computation": "mixed",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})
                ],
            }
        )
        cls.foreign = cls.setup_other_currency("EUR")

    @staticmethod
    def _lines(*specs):
        return [
            Command.create(
                {"name": f"Item {i}", "quantity": qty, "price_unit": price, "tax_ids": taxes.ids}
            )
            for i, (qty, price, taxes) in enumerate(specs, 1)
        ]

    def _invoice(self, *specs, move_type="out_invoice", **values):
        return self._create_invoice(
            move_type=move_type, invoice_line_ids=self._lines(*specs), **values
        )

    def _shapes(self):
        none = self.env["account.tax"]
        return {
            "two tax groups": self._invoice((3, 9.99, self.vat), (2, 12.35, self.vat | self.levy)),
            "price included": self._invoice((3, 10.01, self.vat_included), (1, 7.0, self.vat)),
            "foreign currency": self._invoice(
                (1, 1234.57, self.vat), (1, 99.99, self.levy), currency=self.foreign
            ),
            "rounding line": self._invoice(
                (1, 10.03, self.vat), invoice_cash_rounding_id=self.rounding_line.id
            ),
            "rounding in tax": self._invoice(
                (1, 10.03, self.vat),
                (1, 3.01, self.levy),
                invoice_cash_rounding_id=self.rounding_tax.id,
            ),
            "early-payment discount": self._invoice(
                (1, 1000.0, self.vat),
                (1, 333.33, self.vat | self.levy),
                invoice_payment_term_id=self.epd_term.id,
            ),
            "credit note": self._invoice(
                (1, 45.55, self.vat), (1, 8.0, self.levy), move_type="out_refund"
            ),
            "no tax": self._invoice((2, 49.99, none)),
        }

    def _odoo_rows(self, invoice):
        """Odoo's ``tax_totals`` as the rows the page shows, in their order."""
        odoo = invoice.tax_totals
        rows = []
        for subtotal in odoo["subtotals"]:
            rows.append((subtotal["name"], subtotal["base_amount_currency"]))
            rows += [(g["group_name"], g["tax_amount_currency"]) for g in subtotal["tax_groups"]]
        if "cash_rounding_base_amount_currency" in odoo:
            rows.append(("Rounding", odoo["cash_rounding_base_amount_currency"]))
        rows.append(("Total", odoo["total_amount_currency"]))
        return rows

    def _page_rows(self, invoice):
        """The (label, amount) rows of the totals table of the invoice's page."""
        body = self._get(self._invoice_path(invoice)).text
        table = re.search(r"<table[^>]*o_islebooks_totals.*?</table>", body, re.S).group(0)
        rows = []
        for row in re.findall(r"<tr.*?</tr>", table, re.S):
            # A tax group on part of the lines reads "Levy 5% on 8.00" (Odoo's block).
            label = re.sub(r"<[^>]+>|\s+", " ", row.split("</td>")[0]).split(" on ")[0].strip()
            amount = re.findall(r'oe_currency_value">([^<]+)<', row)[-1]
            rows.append((label, amount))
        return rows

    def test_totals_equal_odoo_tax_totals(self):
        for shape, invoice in self._shapes().items():
            with self.subTest(shape=shape):
                currency = invoice.currency_id
                odoo_rows = self._odoo_rows(invoice)
                # Odoo's totals add up to the stored journal items.
                self.assertFalse(currency.compare_amounts(odoo_rows[-1][1], invoice.amount_total))
                # The page shows exactly these rows, formatted by the currency.
                self.assertEqual(
                    self._page_rows(invoice),
                    [
                        (label, f"{currency.round(amount):,.{currency.decimal_places}f}")
                        for label, amount in odoo_rows
                    ],
                )

    def test_shapes_show_what_they_test(self):
        # The shapes reach the cases they are named after.
        shapes = self._shapes()
        self.assertEqual(
            [s["name"] for s in shapes["two tax groups"].tax_totals["subtotals"]],
            ["Untaxed Amount", "Total before levy"],
        )
        self.assertIn("epd", shapes["early-payment discount"].line_ids.mapped("display_type"))
        self.assertIn("cash_rounding_base_amount_currency", shapes["rounding line"].tax_totals)
        tax_rounding = shapes["rounding in tax"].line_ids.filtered(
            lambda line: line.display_type == "rounding"
        )
        self.assertTrue(tax_rounding.tax_repartition_line_id)
        self.assertNotEqual(shapes["foreign currency"].currency_id, self.company.currency_id)
        self.assertFalse(shapes["no tax"].tax_totals["subtotals"][0]["tax_groups"])

    def test_page_follows_the_invoice_and_its_taxes(self):
        # The lines and totals are drawn once per version of the invoice (t-cache):
        # each change shows on the next view.
        invoice = self._invoice((2, 50.0, self.vat))
        path = self._invoice_path(invoice)
        body = self._get(path).text
        self.assertIn("VAT 15%", body)
        self.assertIn("115.00", body)
        self.vat.name = "GST 15% (line)"
        self.group_vat.name = "GST (group)"
        body = self._get(path).text
        self.assertNotIn("VAT 15%", body)
        self.assertIn("GST 15% (line)", body)
        self.assertIn("GST (group)", body)
        # The same through the translation dialog (Odoo ends it with a write).
        self.vat.update_field_translations("name", {"en_US": "Sales tax (line)"})
        self.group_vat.update_field_translations("name", {"en_US": "Sales tax (group)"})
        body = self._get(path).text
        self.assertNotIn("GST", body)
        self.assertIn("Sales tax (line)", body)
        self.assertIn("Sales tax (group)", body)
        # Reset to draft, one more unit, posted again: the same link, new lines.
        invoice.button_draft()
        invoice.invoice_line_ids.quantity = 3
        invoice.action_post()
        body = self._get(path).text
        self.assertIn("172.50", body)  # 3 × 50.00 + 15%
        self.assertNotIn("115.00", body)
