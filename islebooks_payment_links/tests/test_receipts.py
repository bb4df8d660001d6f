from odoo.tests import tagged

from .common import PaymentLinksHttpCommon
from .test_payment_confirmation import PaymentConfirmationCommon


@tagged("post_install", "-at_install")
class TestReceipts(PaymentLinksHttpCommon):
    """After paying through a link the customer gets Odoo's payment receipt,
    through that link only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Receipt Customer", "email": "receipt@example.com"}
        )
        cls.invoice = cls._create_invoice(partner=cls.customer, amount=420.0)
        cls.other_invoice = cls._create_invoice(partner=cls.customer, amount=10.0)

    def _pay_and_confirm(self, link, route, amount):
        """Pay ``amount`` with the Demo provider in this browser session, confirmed."""
        path = self._link_path(link)
        result = self._jsonrpc(route, self._pay_params(amount, csrf_token=self._csrf(path))).json()
        self.assertNotIn("error", result, result)
        tx = link.transaction_ids.sorted("id")[-1:]
        tx.sudo()._handle_notification_data(
            "demo", {"reference": tx.reference, "simulated_state": "done"}
        )
        tx.sudo()._post_process()
        return tx

    def test_landing_page_shows_the_receipt_and_downloads_it(self):
        link = self.invoice._get_payment_links()
        path = self._link_path(link)
        self.assertNotIn("o_islebooks_receipt", self.url_open(path).text)
        tx = self._pay_and_confirm(link, path + "/transaction", 420.0)
        body = self.url_open(path).text
        self.assertIn("Thank you for your payment", body)
        self.assertRegex(body, r"o_islebooks_receipt_amount[^>]*>[\s\S]{0,80}420\.00")
        self.assertIn(tx.reference, body)
        self.assertRegex(body, rf"o_islebooks_receipt_invoices[^>]*>\s*{self.invoice.name}")
        self.assertRegex(body, r"o_islebooks_receipt_remaining[^>]*>[\s\S]{0,80}0\.00")
        receipt_url = f"{path}/receipt/{tx.id}"
        self.assertIn(f'href="{receipt_url}"', body)
        response = self.url_open(receipt_url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertEqual(response.headers["Referrer-Policy"], "no-referrer")
        # Tests render reports as HTML: Odoo's receipt of this payment.
        self.assertIn(tx.payment_id.name, response.text)
        self.assertIn("Payment Receipt", response.text)

    def test_receipt_only_through_the_link_that_paid(self):
        link = self.invoice._get_payment_links()
        tx = self._pay_and_confirm(link, self._link_path(link, "/transaction"), 420.0)
        other_link = self.other_invoice._get_payment_links()
        portal_link = self.customer._get_portal_payment_links()
        rival = self.env["res.partner"].create({"name": "Rival Ltd"})
        rival_link = self._create_invoice(partner=rival)._get_payment_links()
        for attacker in (other_link, portal_link, rival_link):
            response = self.url_open(self._link_path(attacker, f"/receipt/{tx.id}"))
            self.assertEqual(response.status_code, 404, attacker.scope)
            self.assertNotIn(tx.reference, response.text)
        for junk in (tx.id + 1000, 0):
            response = self.url_open(self._link_path(link, f"/receipt/{junk}"))
            self.assertEqual(response.status_code, 404)
        # A revoked link's receipts are gone with it.
        link.action_revoke()
        self.assertEqual(self.url_open(self._link_path(link, f"/receipt/{tx.id}")).status_code, 404)

    def test_unfinished_payment_has_no_receipt(self):
        link = self.invoice._get_payment_links()
        path = self._link_path(link)
        result = self._jsonrpc(
            path + "/transaction", self._pay_params(420.0, csrf_token=self._csrf(path))
        ).json()
        tx = self.env["payment.transaction"].search(
            [("reference", "=", result["result"]["reference"])]
        )
        tx.sudo()._set_pending()
        self.assertEqual(self.url_open(f"{path}/receipt/{tx.id}").status_code, 404)
        self.assertNotIn("o_islebooks_receipt", self.url_open(path).text)

    def test_portal_paid_history_offers_each_payment_receipt(self):
        link = self.customer._get_portal_payment_links()
        path = self._link_path(link)
        tx = self._pay_and_confirm(link, f"{path}/transaction/{self.invoice.id}", 420.0)
        body = self.url_open(path).text
        self.assertIn("Thank you for your payment", body)
        paid = body[body.index("o_islebooks_portal_paid") :]
        self.assertIn(f'href="{path}/receipt/{tx.id}"', paid)
        response = self.url_open(f"{path}/receipt/{tx.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(tx.payment_id.name, response.text)
        # The invoice's own link does not open the portal's payment.
        invoice_link = self.invoice._get_payment_links()
        self.assertEqual(
            self.url_open(self._link_path(invoice_link, f"/receipt/{tx.id}")).status_code, 404
        )

    def _receipt_mails(self, payment):
        # Rendered by the job, once the payment's transaction has committed.
        self.env["islebooks.payment.receipt"]._cron_send_payment_receipts()
        return self.env["mail.mail"].search(
            [("model", "=", "account.payment"), ("res_id", "=", payment.id)]
        )

    def test_receipt_email_in_the_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        link = self.invoice._get_payment_links()
        tx = self._pay_and_confirm(link, self._link_path(link, "/transaction"), 420.0)
        # Not rendered while the payment's transaction holds the invoice: queued.
        self.assertFalse(
            self.env["mail.mail"].search(
                [("model", "=", "account.payment"), ("res_id", "=", tx.payment_id.id)]
            )
        )
        mail = self._receipt_mails(tx.payment_id)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer)
        # Rendered in French: French number format, French date.
        self.assertIn("420,00", mail.body_html)
        self.assertIn(self.invoice.name, mail.body_html)
        # Odoo's receipt of this payment attached (tests render reports as HTML).
        self.assertEqual(len(mail.attachment_ids), 1)
        self.assertIn(tx.payment_id.name, mail.attachment_ids.raw.decode(errors="replace"))

    def test_receipt_emails_can_be_turned_off(self):
        self.env.company.payment_link_receipt_email = False
        link = self.invoice._get_payment_links()
        tx = self._pay_and_confirm(link, self._link_path(link, "/transaction"), 420.0)
        self.assertFalse(self._receipt_mails(tx.payment_id))


@tagged("post_install", "-at_install")
class TestConfirmationEmails(PaymentConfirmationCommon):
    """Bank-transfer confirmations: a receipt when approved, the reason when rejected."""

    def setUp(self):
        super().setUp()
        self.partner_a.email = "customer@example.com"

    def _mails(self, record):
        self.env["islebooks.payment.receipt"]._cron_send_payment_receipts()
        return self.env["mail.mail"].search(
            [("model", "=", record._name), ("res_id", "in", record.ids)]
        )

    def test_approved_confirmation_emails_the_receipt(self):
        confirmation = self._confirm(self.invoice_a)
        confirmation.action_approve()
        mail = self._mails(confirmation.payment_ids)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.partner_a)
        self.assertIn(self.invoice_a.name, mail.body_html)
        self.assertEqual(len(mail.attachment_ids), 1)
        self.assertIn(
            confirmation.payment_ids.name, mail.attachment_ids.raw.decode(errors="replace")
        )

    def test_rejected_confirmation_emails_the_reason(self):
        confirmation = self._confirm(self.invoice_a)
        confirmation._reject("No transfer with reference XYZ-42 arrived.")
        mail = self._mails(confirmation)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.partner_a)
        self.assertIn("No transfer with reference XYZ-42 arrived.", mail.body_html)

    def test_rejection_is_rendered_after_the_review_within_the_job_budget(self):
        first, second = self._confirm(self.invoice_a), self._confirm(self.invoice_b)
        (first | second)._reject("Not received.")
        # Nothing rendered while the review held the confirmations: queued.
        Mail = self.env["mail.mail"]
        domain = [("model", "=", first._name), ("res_id", "in", (first | second).ids)]
        self.assertFalse(Mail.search(domain))
        self.env["ir.config_parameter"].sudo().set_param(
            "islebooks_payment_links.job_pass_seconds", "0"
        )
        cron = self.env.ref("islebooks_payment_links.ir_cron_send_payment_receipts").sudo()
        _cron, progress = cron._add_progress()
        # Past its budget, the job's call sends one and reports the other.
        self.env["islebooks.payment.receipt"].with_context(
            ir_cron_progress_id=progress.id
        )._cron_send_payment_receipts()
        self.assertEqual(Mail.search(domain).mapped("res_id"), first.ids)
        self.assertEqual((progress.done, progress.remaining), (1, 1))
        mails = self._mails(second)
        self.assertEqual(len(mails), 1)
        self.assertIn("Not received.", mails.body_html)
        all_mails = self._mails(first | second)
        self.assertEqual(len(all_mails), 2, "one email each, once")

    def test_setting_off_sends_nothing(self):
        self.company.payment_link_receipt_email = False
        approved = self._confirm(self.invoice_a)
        approved.action_approve()
        rejected = self._confirm(self.invoice_b)
        rejected._reject("Not received.")
        self.assertFalse(self._mails(approved.payment_ids) | self._mails(rejected))


@tagged("post_install", "-at_install")
class TestReceiptTour(PaymentLinksHttpCommon):
    def test_customer_pays_a_discounted_invoice_and_gets_the_receipt(self):
        customer = self.env["res.partner"].create({"name": "Tour Customer"})
        invoice = self._create_invoice(partner=customer, amount=1000.0, post=False)
        invoice.invoice_payment_term_id = self.env.ref(
            "account.account_payment_term_30days_early_discount"
        )
        invoice.action_post()
        link = invoice._get_payment_links()
        self.start_tour(self._link_path(link), "islebooks_pay_discounted_invoice")
        tx = link.transaction_ids
        self.assertEqual((tx.state, tx.amount), ("done", 980.0))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        response = self.url_open(self._link_path(link, f"/receipt/{tx.id}"))
        self.assertEqual(response.status_code, 200)
        self.assertIn(tx.payment_id.name, response.text)
