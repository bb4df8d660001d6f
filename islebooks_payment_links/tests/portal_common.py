"""Fixtures of the customer-portal tests.

Same world as the addon's shared test base (Odoo's accounting test company,
Odoo's Demo provider enabled the way a business does, from ``tests/common.py``),
with the HTTP helpers the portal tests share (CSRF token, JSON calls, payment form values).
"""

import json
import re

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import PaymentLinksFixtures


class PortalLinkCommon(PaymentLinksFixtures, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.demo_provider = cls._enable_demo_provider(cls.company, cls.bank_journal)
        cls.Link = cls.env["islebooks.payment.link"]
        # Payments post in the chatter as the current user.
        cls.env.user.partner_id.email = "accountant@example.com"

    # ------------------------------------------------------------------
    # HTTP helpers (HttpCase subclasses)
    # ------------------------------------------------------------------

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
