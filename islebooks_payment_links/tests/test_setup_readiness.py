from odoo.exceptions import RedirectWarning
from odoo.tests import tagged

from .common import PaymentLinksHttpCommon


@tagged("post_install", "-at_install")
class TestSetupReadiness(PaymentLinksHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._make_unready()

    def test_copy_link_warns_when_nothing_is_set_up(self):
        invoice = self._create_invoice()
        self.assertEqual(self.company._get_payment_link_unready(), self.company)
        with self.assertRaises(RedirectWarning) as caught:
            invoice.action_copy_payment_link()
        message, action_id, button_text = caught.exception.args[:3]
        self.assertIn("no payment provider is enabled and no bank account", message)
        self.assertIn(self.company.name, message)
        self.assertEqual(action_id, self.env.ref("payment.action_payment_provider").id)
        self.assertEqual(button_text, "Configure Payment Providers")
        # Nothing was handed out: no link leads customers to a dead end.
        invoice.invalidate_recordset()
        self.assertFalse(invoice.payment_link_ids)

    def test_bank_account_makes_company_ready(self):
        invoice = self._create_invoice()
        self._make_ready()
        self.assertFalse(self.company._get_payment_link_unready())
        action = invoice.action_copy_payment_link()
        self.assertEqual(action["tag"], "islebooks_copy_payment_links")
        self.assertIn("/pay/", action["params"]["links"][0]["url"])

    def test_enabled_provider_makes_company_ready_disabled_does_not(self):
        provider = (
            self.env["payment.provider"]
            .sudo()
            .create({"name": "Card payments", "company_id": self.company.id, "state": "disabled"})
        )
        self.assertEqual(self.company._get_payment_link_unready(), self.company)
        provider.state = "test"
        self.assertFalse(self.company._get_payment_link_unready())
        provider.state = "enabled"
        self.assertFalse(self.company._get_payment_link_unready())
        # Another company's provider does not make this one ready.
        provider.company_id = self.setup_other_company()["company"]
        self.assertEqual(self.company._get_payment_link_unready(), self.company)

    def test_draft_invoice_error_comes_before_setup_warning(self):
        draft = self.init_invoice("out_invoice", partner=self.partner_a, amounts=[10.0])
        with self.assertRaisesRegex(Exception, "post it first") as caught:
            draft.action_copy_payment_link()
        self.assertNotIsInstance(caught.exception, RedirectWarning)

    def test_readiness_of_many_companies_in_two_queries(self):
        other = self.setup_other_company()["company"]
        self._make_ready(other)
        companies = self.company | other
        companies.mapped("partner_id")  # already in cache wherever links are shared
        self.env.flush_all()
        with self.assertQueryCount(2):
            unready = companies._get_payment_link_unready()
        self.assertEqual(unready, self.company)

    def test_customer_page_of_unconfigured_company_is_helpful(self):
        invoice = self._create_invoice()
        # A link shared earlier, before the providers were switched off.
        link = self.env["islebooks.payment.link"]._get_or_create("invoice", invoice)
        response = self.url_open(f"/pay/{link.token}")
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn("o_islebooks_no_provider", page)
        self.assertIn("Online payment is not set up yet", page)
        self.assertIn("billing@company-one.example", page)
        self.assertIn("+1 555 0100", page)
        # Never an empty payment form or pay button.
        self.assertNotIn('id="o_payment_form"', page)
        self.assertNotIn('name="o_payment_submit_button"', page)

    def test_customer_page_with_bank_account_only_shows_transfer_details(self):
        self._make_ready()
        invoice = self._create_invoice()
        self.assertTrue(invoice.partner_bank_id)
        link = invoice._get_payment_links()
        page = self.url_open(f"/pay/{link.token}").text
        self.assertIn("o_islebooks_bank_transfer", page)
        self.assertIn("BE71 0961 2345 6769", page)
        self.assertIn(invoice.payment_reference or invoice.name, page)
        self.assertNotIn("o_islebooks_no_provider", page)
        self.assertNotIn('id="o_payment_form"', page)
