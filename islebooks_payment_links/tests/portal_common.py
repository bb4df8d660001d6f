"""Fixtures of the customer-portal tests.

Same world as the addon's shared test base (Odoo's accounting test company,
Odoo's Demo provider enabled the way a business does, from ``tests/common.py``),
with the invoice helpers the portal needs (currencies, dates, refunds).
"""

import json
import re

from odoo import Command, fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import DemoProviderMixin


class PortalLinkCommon(DemoProviderMixin, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.demo_provider = cls._enable_demo_provider(cls.company, cls.bank_journal)
        cls.Link = cls.env["islebooks.payment.link"]
        # Payments post in the chatter as the current user.
        cls.env.user.partner_id.email = "accountant@example.com"

    @classmethod
    def _create_invoices(
        cls,
        count,
        partner,
        amount=100.0,
        post=True,
        move_type="out_invoice",
        currency=None,
        invoice_date=None,
        date_due=None,
    ):
        """``count`` moves of one untaxed line each, created and posted in one batch.

        No payment term: an invoice is due on its date (overdue from the next day).
        """
        journal_type = "purchase" if move_type in ("in_invoice", "in_refund") else "sale"
        journal = cls.env["account.journal"].search(
            [("company_id", "=", cls.company.id), ("type", "=", journal_type)], limit=1
        )
        moves = cls.env["account.move"].create(
            [
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "journal_id": journal.id,
                    "currency_id": (currency or cls.company.currency_id).id,
                    "invoice_payment_term_id": False,
                    "invoice_date": invoice_date or fields.Date.today(),
                    "invoice_date_due": invoice_date or fields.Date.today(),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Boat trip",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for _i in range(count)
            ]
        )
        if post:
            moves.action_post()
        return moves

    @classmethod
    def _pay_in_full(cls, invoices):
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({"journal_id": cls.bank_journal.id, "group_payment": False})
            ._create_payments()
        )

    # ------------------------------------------------------------------
    # HTTP helpers (HttpCase subclasses)
    # ------------------------------------------------------------------

    def _path(self, link, suffix=""):
        return f"/pay/{link.token}{suffix}"

    def _csrf(self, page_path):
        """The CSRF token a page gives its payment form (same browser session)."""
        body = self.url_open(page_path).text
        return re.search(r'csrf_token: "([^"]+)"', body).group(1)

    def _json(self, path, params):
        response = self.url_open(
            path,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def _pay_params(self, amount, **extra):
        return {
            "provider_id": self.demo_provider.id,
            "payment_method_id": self.demo_provider.payment_method_ids[:1].id,
            "token_id": None,
            "amount": amount,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "",
            "is_validation": False,
            "access_token": None,
            **extra,
        }
