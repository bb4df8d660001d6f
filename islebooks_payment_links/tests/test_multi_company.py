"""Two companies, one shared customer: links, pages, payments, confirmations and
backend access never cross companies."""

from lxml import html

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .test_security_matrix import PaymentLinkMatrixCommon

# What the grant check answers (islebooks.payment.confirmation._validate_submission)
# when a form names an invoice its link does not grant.
NOT_GRANTED = (
    "One of the chosen invoices cannot be confirmed from this page: it is paid,"
    " cancelled or not one of yours."
)


@tagged("post_install", "-at_install")
class TestMultiCompanyIsolation(PaymentLinkMatrixCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # B gets paid online too, with its own Demo provider and bank journal.
        cls.provider_a = cls.demo_provider
        cls.provider_b = cls.provider_a.copy(
            {
                "company_id": cls.company_b.id,
                "journal_id": cls.company_data_2["default_journal_bank"].id,
                "state": "test",
                "is_published": True,
            }
        )
        cls.provider_b.payment_method_ids = cls.provider_a.payment_method_ids
        cls.company_b.write(
            {"payment_confirmation_enabled": True, "payment_confirmation_proof_required": False}
        )
        cls.b_link = cls.b_invoice._get_payment_links()
        cls.user_a = new_test_user(
            cls.env,
            login="ib_accountant_a",
            groups="account.group_account_manager",
            company_id=cls.company_a.id,
            company_ids=[Command.set(cls.company_a.ids)],
        )
        cls.user_ab = new_test_user(
            cls.env,
            login="ib_accountant_ab",
            groups="account.group_account_manager",
            company_id=cls.company_a.id,
            company_ids=[Command.set((cls.company_a | cls.company_b).ids)],
        )

    # ------------------------------------------------------------------
    # Links
    # ------------------------------------------------------------------

    def test_links_belong_to_their_invoice_company(self):
        self.assertEqual(self.customer.company_id.id, False)  # shared customer
        self.assertEqual(self.own_link.company_id, self.company_a)
        self.assertEqual(self.b_link.company_id, self.company_b)
        Link = self.env["islebooks.payment.link"]
        portal_a = Link.with_company(self.company_a)._get_or_create("portal", self.customer)
        portal_b = Link.with_company(self.company_b)._get_or_create("portal", self.customer)
        self.assertNotEqual(portal_a, portal_b)
        self.assertEqual(
            (portal_a.company_id, portal_b.company_id), (self.company_a, self.company_b)
        )
        # Each company's confirmation form offers its own invoices only.
        Confirmation = self.env["islebooks.payment.confirmation"]
        self.assertNotIn(self.b_invoice, Confirmation._get_link_open_invoices(portal_a))
        self.assertEqual(Confirmation._get_link_open_invoices(portal_b), self.b_invoice)

    def test_other_amounts_due_stay_in_their_company(self):
        """A shared customer's opening balance in B is owed to B only (#30)."""
        item_b = self._create_receivable_entry(
            321.0, self.customer, company=self.company_b, ref="B opening balance"
        )
        Link = self.env["islebooks.payment.link"]
        portal_a = Link.with_company(self.company_a)._get_or_create("portal", self.customer)
        portal_b = Link.with_company(self.company_b)._get_or_create("portal", self.customer)
        owed = {
            company: [row["item_count"] for row in self.customer._get_amount_owed(company)]
            for company in (self.company_a, self.company_b)
        }
        self.assertEqual(owed, {self.company_a: [0], self.company_b: [1]})
        self.assertNotIn("B opening balance", self.url_open(f"/pay/{portal_a.token}").text)
        self.assertIn("B opening balance", self.url_open(f"/pay/{portal_b.token}").text)
        response = self.url_open(f"/pay/{portal_a.token}/checkout?item_ids={item_b.id}")
        self.assertEqual(response.status_code, 404)
        result = self._jsonrpc(
            f"/pay/{portal_a.token}/transaction/r{item_b.id}",
            self._pay_params(321.0, csrf_token=self._csrf()),
        ).json()
        self.assertIn("cannot be paid", result["error"]["data"]["message"])

    def test_link_whose_company_differs_from_its_invoice_opens_nothing(self):
        token, name = self.own_link.token, self.own.name
        self.env.cr.execute(
            "UPDATE islebooks_payment_link SET company_id = %s WHERE id = %s",
            [self.company_b.id, self.own_link.id],
        )
        self.env.invalidate_all()
        for suffix in ("", "/pdf"):
            response = self.url_open(f"/pay/{token}{suffix}")
            self.assertEqual(response.status_code, 404)
            self.assertNotIn(name, response.text)

    # ------------------------------------------------------------------
    # Pages and payments
    # ------------------------------------------------------------------

    def test_each_page_shows_its_own_company_only(self):
        for link, invoice, company, other_invoice, other_company in (
            (self.own_link, self.own, self.company_a, self.b_invoice, self.company_b),
            (self.b_link, self.b_invoice, self.company_b, self.own, self.company_a),
        ):
            with self.subTest(company=company.name):
                body = self.url_open(f"/pay/{link.token}").text
                self.assertIn(invoice.name, body)
                self.assertIn(company.name, body)
                self.assertNotIn(other_invoice.name, body)
                self.assertNotIn(f"{other_invoice.amount_total:,.2f}", body)
                self.assertNotIn(f'data-provider-id="{self._provider_of(other_company).id}"', body)
                self.assertIn(f'data-provider-id="{self._provider_of(company).id}"', body)

    def _provider_of(self, company):
        return self.provider_a if company == self.company_a else self.provider_b

    def test_payment_with_the_other_company_provider_is_refused(self):
        csrf_token = self._csrf()
        for link, invoice, wrong, right in (
            (self.own_link, self.own, self.provider_b, self.provider_a),
            (self.b_link, self.b_invoice, self.provider_a, self.provider_b),
        ):
            with self.subTest(invoice=invoice.name):
                path = f"/pay/{link.token}/transaction"
                answer = self._send(
                    "JSON", path, csrf_token, invoice, json_extra={"provider_id": wrong.id}
                ).json()
                self.assertIn("not available", answer["error"]["data"]["message"])
                self.assertFalse(invoice.sudo().transaction_ids)
                answer = self._send(
                    "JSON", path, csrf_token, invoice, json_extra={"provider_id": right.id}
                ).json()
                self.assertIn("result", answer, answer)
                tx = invoice.sudo().transaction_ids
                self.assertEqual(len(tx), 1)
                self.assertEqual((tx.provider_id, tx.company_id), (right, invoice.company_id))
                self.assertEqual(tx.amount, invoice.amount_residual)

    # ------------------------------------------------------------------
    # Confirmations
    # ------------------------------------------------------------------

    def test_confirmations_never_cross_companies(self):
        csrf_token = self._csrf()
        Confirmation = self.env["islebooks.payment.confirmation"].sudo()
        portal_a = (
            self.env["islebooks.payment.link"]
            .with_company(self.company_a)
            ._get_or_create("portal", self.customer)
        )
        # Positive control first: this session, its CSRF token and this form are
        # accepted for an invoice the link grants (B's own link), so the refusals
        # below are the grant check's, never a CSRF or form failure (also a 400).
        response = self._send(
            "POST", f"/pay/{self.b_link.token}/confirm", csrf_token, self.b_invoice
        )
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertEqual(
            response.headers["Location"].split("/pay/", 1)[1],
            f"{self.b_link.token}?confirmation=received#o_islebooks_confirmation",
        )
        confirmation = Confirmation.search([])
        self.assertEqual(confirmation.company_id, self.company_b)
        self.assertEqual(confirmation.invoice_ids, self.b_invoice)
        # A's links cannot report a transfer for B's invoice (nor the reverse):
        # the link's own page again, its form with the grant check's one error.
        for link, granted, invoice in (
            (self.own_link, self.own, self.b_invoice),
            (portal_a, self.own, self.b_invoice),
            (self.b_link, self.b_invoice, self.own),
        ):
            with self.subTest(scope=link.scope, company=link.company_id.name):
                response = self._send("POST", f"/pay/{link.token}/confirm", csrf_token, invoice)
                self.assertEqual(response.status_code, 400, response.text[:500])
                page = html.fromstring(response.text)
                self.assertEqual(
                    self._texts(page, "o_islebooks_form_error"),
                    ["Please correct the fields marked below."],
                )
                self.assertEqual(self._texts(page, "o_islebooks_error_invoice_ids"), [NOT_GRANTED])
                self.assertEqual(self._texts(page, "invalid-feedback"), [])
                # The form offers what the link grants, never the invoice it named.
                offered = page.xpath('//input[@name="invoice_ids"]/@value')
                self.assertIn(str(granted.id), offered)
                self.assertNotIn(str(invoice.id), offered)
                self.assertNotIn(invoice.sudo().name, response.text)
        self.assertEqual(Confirmation.search([]), confirmation)
        # B's confirmation is shown on B's page only.
        self.assertFalse(Confirmation._get_link_confirmations(portal_a))
        self.assertFalse(Confirmation._get_link_confirmations(self.own_link))
        self.assertNotIn(
            confirmation.bank_reference, self.url_open(f"/pay/{self.own_link.token}").text
        )

    @staticmethod
    def _texts(page, css_class):
        """The texts of the elements of ``page`` that carry ``css_class``."""
        nodes = page.xpath(f"//*[contains(concat(' ', @class, ' '), ' {css_class} ')]")
        return [node.text_content().strip() for node in nodes]

    # ------------------------------------------------------------------
    # Backend access
    # ------------------------------------------------------------------

    def test_user_of_company_a_cannot_see_company_b_links_or_confirmations(self):
        confirmation = (
            self.env["islebooks.payment.confirmation"]
            .sudo()
            ._create_from_link(
                self.b_link,
                self.b_invoice,
                {"amount": 1.0, "transfer_date": "2026-01-01", "bank_reference": "B-1", "note": ""},
            )
        )
        self.assertEqual(confirmation.company_id, self.company_b)
        for user in (self.user_a, self.user_ab):
            with self.subTest(user=user.login):
                # user_ab may see B, but not while only A is active.
                env = self.env(user=user, context={"allowed_company_ids": self.company_a.ids})
                Link = env["islebooks.payment.link"]
                Confirmation = env["islebooks.payment.confirmation"]
                self.assertIn(self.own_link, Link.search([]))
                self.assertNotIn(self.b_link, Link.search([]))
                self.assertFalse(Confirmation.search([("id", "=", confirmation.id)]))
                with self.assertRaises(AccessError):
                    Link.browse(self.b_link.id).read(["token"])
                with self.assertRaises(AccessError):
                    Confirmation.browse(confirmation.id).read(["bank_reference"])
                with self.assertRaises(AccessError):
                    env["account.move"].browse(self.b_invoice.id).action_copy_payment_link()
                with self.assertRaises(AccessError):
                    Link.browse(self.b_link.id).action_revoke()
                with self.assertRaises(AccessError):
                    Link.browse(self.b_link.id).action_regenerate()
        self.assertEqual(self.b_link.state, "active")
        # Allowed in B and working in B: the same user sees B's records.
        env = self.env(
            user=self.user_ab,
            context={"allowed_company_ids": (self.company_b | self.company_a).ids},
        )
        self.assertIn(self.b_link, env["islebooks.payment.link"].search([]))
        self.assertEqual(
            env["islebooks.payment.confirmation"].search([("id", "=", confirmation.id)]),
            confirmation,
        )
        action = env["account.move"].browse(self.b_invoice.id).action_copy_payment_link()
        self.assertEqual(action["params"]["links"][0]["url"], self.b_link.url)
