import re
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import PDF_BYTES, PaymentLinksHttpCommon, age_throttle, make_png
from .test_payment_confirmation import PaymentConfirmationCommon


class PaymentConfirmationHttpCommon(PaymentConfirmationCommon, PaymentLinksHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        bank = cls.env["res.bank"].create({"name": "Isle Savings Bank", "bic": "ISLEBEBB"})
        cls.company_bank = cls.env["res.partner.bank"].create(
            {
                "acc_number": "BE71 0961 2345 6769",
                "acc_holder_name": "IsleBooks Trading Ltd",
                "partner_id": cls.company.partner_id.id,
                "bank_id": bank.id,
                "company_id": cls.company.id,
            }
        )
        cls.bank_journal.bank_account_id = cls.company_bank
        cls.invoice_a.payment_reference = "RF18 5390 0754 7034"
        cls.url = f"/pay/{cls.link.token}"

    def setUp(self):
        super().setUp()
        self.Confirmation = self.env["islebooks.payment.confirmation"]

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------

    def _page(self, url=None):
        response = self.url_open(url or self.url)
        self.assertEqual(response.status_code, 200)
        return response.text

    def _post(self, files="png", csrf=True, url=None, **overrides):
        data = {
            "invoice_ids": [str(self.invoice_a.id)],
            "amount": "1000.00",
            "transfer_date": fields.Date.to_string(fields.Date.today()),
            "bank_reference": "TRF-2026-0042",
            "note": "Paid from our business account",
        }
        if csrf:
            data["csrf_token"] = self._csrf(self.url)
        data.update(overrides)
        if files == "png":
            files = {"proof": ("receipt.png", make_png(), "image/png")}
        elif files == "pdf":
            files = {"proof": ("receipt.pdf", PDF_BYTES, "application/pdf")}
        return self.url_open(
            url or f"{self.url}/confirm", data=data, files=files or None, allow_redirects=False
        )

    def _assert_refused(self, response, message, status=400):
        self.assertEqual(response.status_code, status, response.text[:500])
        self.assertIn(message, response.text)
        self.assertFalse(self.Confirmation.search([("link_id", "=", self.link.id)]))


@tagged("post_install", "-at_install")
class TestPaymentConfirmationHttp(PaymentConfirmationHttpCommon):
    # ------------------------------------------------------------------
    # page
    # ------------------------------------------------------------------

    def test_transfer_date_stops_at_the_customers_today(self):
        # The form's calendar ends on the day the server's check calls today:
        # the customer's (its time zone, as the page's), not the server's.
        # Whichever of UTC+14 and UTC-11 is on another day than UTC right now.
        server_today = fields.Date.today()
        for tz in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
            customer_today = fields.Date.context_today(self.env.user.with_context(tz=tz))
            if customer_today != server_today:
                break
        self.invoice_a.partner_id.tz = tz
        self.assertIn(f'max="{customer_today.isoformat()}"', self._page())
        tomorrow = fields.Date.to_string(customer_today + timedelta(days=1))
        self._assert_refused(
            self._post(transfer_date=tomorrow), "The transfer date cannot be in the future."
        )
        response = self._post(transfer_date=fields.Date.to_string(customer_today))
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertEqual(
            self.Confirmation.search([("link_id", "=", self.link.id)]).transfer_date,
            customer_today,
        )

    def test_disabled_shows_nothing_and_refuses_posts(self):
        self.company.payment_confirmation_enabled = False
        page = self._page()
        self.assertNotIn("I have paid by bank transfer", page)
        self.assertNotIn("BE71 0961 2345 6769", page)
        response = self.url_open(
            f"{self.url}/confirm",
            data={"csrf_token": self._csrf(self.url), "amount": "1"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.Confirmation.search([]))

    def test_page_shows_bank_details_and_prefilled_form(self):
        page = self._page()
        self.assertIn("I have paid by bank transfer", page)
        for value in (
            "IsleBooks Trading Ltd",
            "BE71 0961 2345 6769",
            "Isle Savings Bank",
            "RF18 5390 0754 7034",
        ):
            self.assertIn(f'data-copy="{value}', page)
        amount_input = re.search(r'<input[^>]*name="amount"[^>]*>', page).group(0)
        self.assertIn('value="1000.00"', amount_input)
        self.assertRegex(page, r'<textarea [^>]*name="note"')
        self.assertIn('type="file" name="proof"', page)
        self.assertIn(f'value="{self.invoice_a.id}" data-residual', page)
        self.assertNotIn(f'value="{self.invoice_b.id}"', page, "Only the link's invoice")

    def test_bank_details_follow_their_changes(self):
        # Cached per company (#16): every change shows on the next view.
        self.assertIn('data-copy="BE71 0961 2345 6769"', self._page())
        self.company_bank.write({"acc_number": "BE68 5390 0754 7034", "acc_holder_name": False})
        page = self._page()
        self.assertIn('data-copy="BE68 5390 0754 7034"', page)
        self.assertNotIn("BE71 0961 2345 6769", page)
        # No holder name: the company's.
        self.assertIn(f'data-copy="{self.company.name}"', page)
        self.company_bank.bank_id.write({"name": "Isle Merchant Bank"})
        self.assertIn('data-copy="Isle Merchant Bank · ISLEBEBB"', self._page())
        # Another bank journal's account is offered too; a journal losing its
        # account no longer offers it.
        other = self.env["res.partner.bank"].create(
            {"acc_number": "MV12 3456 7890", "partner_id": self.company.partner_id.id}
        )
        journal = self.env["account.journal"].create(
            {"name": "Second bank", "code": "BNK9", "type": "bank", "bank_account_id": other.id}
        )
        self.assertIn('data-copy="MV12 3456 7890"', self._page())
        journal.bank_account_id = False
        self.assertNotIn("MV12 3456 7890", self._page())
        journal.bank_account_id = other
        self.assertIn('data-copy="MV12 3456 7890"', self._page())
        journal.unlink()  # Odoo deletes the account it alone used
        self.assertNotIn("MV12 3456 7890", self._page())
        # No bank journal with an account: the company's own accounts.
        self.bank_journal.bank_account_id = False
        self.env["res.partner.bank"].create(
            {"acc_number": "MV98 7654 3210", "partner_id": self.company.partner_id.id}
        )
        page = self._page()
        self.assertIn('data-copy="BE68 5390 0754 7034"', page)
        self.assertIn('data-copy="MV98 7654 3210"', page)
        self.company.partner_id.bank_ids.unlink()
        self.assertIn("for their bank details", self._page())

    # ------------------------------------------------------------------
    # good submissions
    # ------------------------------------------------------------------

    def test_submit_png_proof(self):
        response = self._post(files="png")
        self.assertEqual(response.status_code, 303)
        self.assertIn(f"/pay/{self.link.token}?confirmation=received", response.headers["Location"])
        confirmation = self.Confirmation.search([("link_id", "=", self.link.id)])
        self.assertEqual(len(confirmation), 1)
        self.assertEqual(confirmation.invoice_ids, self.invoice_a)
        self.assertEqual(confirmation.amount, 1000.0)
        self.assertEqual(confirmation.bank_reference, "TRF-2026-0042")
        self.assertEqual(confirmation.note, "Paid from our business account")
        self.assertEqual(confirmation.partner_id, self.partner_a)
        proof = confirmation.proof_attachment_id
        self.assertEqual(proof.mimetype, "image/png")
        self.assertEqual(proof.raw, make_png())
        self.assertFalse(proof.public)
        self.assertEqual(confirmation.activity_ids.user_id, self.salesperson)

        page = self._page(response.headers["Location"])
        self.assertIn("Confirmation received — pending review", page)
        self.assertIn("o_islebooks_confirmation_pending", page)
        self.assertIn("Pending review", page)
        self.assertIn("TRF-2026-0042", page)

        # The proof is never served to the link holder or anyone without access.
        served = self.url_open(f"/web/content/{proof.id}")
        self.assertEqual(served.status_code, 404)
        self.assertNotEqual(served.content, make_png())
        # /web/image answers with a placeholder, never the proof itself.
        served = self.url_open(f"/web/image/{proof.id}")
        self.assertNotEqual(served.content, make_png())

    def test_submit_pdf_proof(self):
        response = self._post(files="pdf", amount="400,50", bank_reference="")
        self.assertEqual(response.status_code, 303)
        confirmation = self.Confirmation.search([("link_id", "=", self.link.id)])
        self.assertEqual(confirmation.amount, 400.5)
        self.assertFalse(confirmation.bank_reference)
        self.assertEqual(confirmation.proof_attachment_id.mimetype, "application/pdf")
        self.assertEqual(confirmation.proof_attachment_id.raw, PDF_BYTES)

    def test_proof_optional_when_not_required(self):
        self.company.payment_confirmation_proof_required = False
        response = self._post(files=None)
        self.assertEqual(response.status_code, 303)
        self.assertFalse(self.Confirmation.search([]).proof_attachment_id)

    def test_customer_sees_status_and_reject_reason(self):
        self._post()
        confirmation = self.Confirmation.search([("link_id", "=", self.link.id)])
        confirmation._reject("We received 900.00, not 1000.00.")
        page = self._page()
        self.assertIn("Rejected", page)
        self.assertIn("We received 900.00, not 1000.00.", page)
        self.assertNotIn("Confirmation received — pending review", page)

    # ------------------------------------------------------------------
    # bad input: refused with a message, the rest of the input kept
    # ------------------------------------------------------------------

    def test_fake_file_refused_input_kept(self):
        response = self._post(
            files={"proof": ("receipt.png", b"<html>not a picture</html>", "image/png")}
        )
        self._assert_refused(response, "The proof must be a PDF, JPEG or PNG file.")
        self.assertIn('value="TRF-2026-0042"', response.text)
        self.assertIn("Paid from our business account</textarea>", response.text)
        self.assertIn('value="1000.00"', response.text)

    def test_empty_file_refused(self):
        response = self._post(files={"proof": ("receipt.pdf", b"", "application/pdf")})
        self._assert_refused(response, "The file is empty.")

    def test_oversized_file_refused(self):
        self.company.payment_confirmation_max_size = 1
        big = PDF_BYTES + b"0" * (1024 * 1024)
        response = self._post(files={"proof": ("big.pdf", big, "application/pdf")})
        self._assert_refused(response, "The file is larger than 1 MB.")
        self.assertIn('value="TRF-2026-0042"', response.text)

    def test_missing_proof_refused_when_required(self):
        response = self._post(files=None)
        self._assert_refused(response, "Attach a proof of the transfer")

    def test_bad_amounts_refused(self):
        cases = {
            "": "Enter the amount you transferred.",
            "abc": "Enter the amount as a number",
            "nan": "Enter the amount as a number",
            "0": "The amount must be more than zero.",
            "-5": "The amount must be more than zero.",
            "1000.01": "The amount is more than the",
        }
        for amount, message in cases.items():
            with self.subTest(amount=amount):
                self._assert_refused(self._post(amount=amount), message)

    def test_overpayment_allowed_by_company(self):
        self.company.payment_confirmation_allow_overpayment = True
        response = self._post(amount="1200")
        self.assertEqual(response.status_code, 303)

    def test_bad_dates_refused(self):
        tomorrow = fields.Date.to_string(fields.Date.today() + timedelta(days=1))
        cases = {
            tomorrow: "The transfer date cannot be in the future.",
            "": "Enter the date of the transfer.",
            "31/02/2026": "Enter the date of the transfer.",
        }
        for transfer_date, message in cases.items():
            with self.subTest(transfer_date=transfer_date):
                self._assert_refused(self._post(transfer_date=transfer_date), message)

    def test_invoices_outside_the_link_refused(self):
        other = self._post_invoice(50.0, partner=self.partner_b)
        for invoice_ids in ([str(self.invoice_b.id)], [str(other.id)], ["x1"], []):
            with self.subTest(invoice_ids=invoice_ids):
                response = self._post(invoice_ids=invoice_ids)
                self.assertEqual(response.status_code, 400)
                self.assertIn("o_islebooks_error_invoice_ids", response.text)
        self.assertFalse(self.Confirmation.search([]))

    def test_paid_invoice_cannot_be_confirmed(self):
        csrf = self._csrf()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice_a.ids
        ).create({"journal_id": self.bank_journal.id})._create_payments()
        response = self._post(csrf=False, csrf_token=csrf)
        self.assertEqual(response.status_code, 400)
        self.assertIn("cannot be confirmed from this page", response.text)
        self.assertNotIn("I have paid by bank transfer", self._page())

    def test_csrf_enforced(self):
        self.assertEqual(self._post(csrf=False).status_code, 400)
        self.assertEqual(self._post(csrf=False, csrf_token="forged").status_code, 400)
        self.assertFalse(self.Confirmation.search([]))

    def test_revoked_or_unknown_link_cannot_submit(self):
        csrf = self._csrf()
        self.link.action_revoke()
        response = self._post(csrf=False, csrf_token=csrf)
        self.assertEqual(response.status_code, 404)
        response = self._post(csrf=False, csrf_token=csrf, url="/pay/" + "A" * 43 + "/confirm")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.Confirmation.search([]))

    def test_expired_link_cannot_submit(self):
        csrf = self._csrf()
        self.link.expires_at = fields.Datetime.now() - timedelta(minutes=1)
        self.assertEqual(self._post(csrf=False, csrf_token=csrf).status_code, 404)

    def test_rate_limited_per_link(self):
        for _i in range(10):
            self._confirm(self.invoice_a, amount=1.0, link=self.link)
        response = self._post()
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many confirmations were sent from this link", response.text)
        self.assertIn('value="TRF-2026-0042"', response.text)
        self.assertEqual(self.Confirmation.search_count([("link_id", "=", self.link.id)]), 10)
        # Links are limited one by one: the customer's portal link still submits.
        portal = self.env["islebooks.payment.link"]._get_or_create("portal", self.partner_a)
        self.assertEqual(self._post(url=f"/pay/{portal.token}/confirm").status_code, 303)
        # An hour later the link may submit again.
        age_throttle(self.env, 61, f"confirm-link:{self.link.id}")
        self.assertEqual(self._post().status_code, 303)
        self.assertEqual(self.Confirmation.search_count([("link_id", "=", self.link.id)]), 11)


@tagged("post_install", "-at_install")
class TestPaymentConfirmationPortal(PaymentConfirmationHttpCommon):
    """The same form on the Customer Portal: several invoices in one confirmation."""

    def test_portal_customer_confirms_two_invoices(self):
        portal = self.env["islebooks.payment.link"]._get_or_create("portal", self.partner_a)
        url = f"/pay/{portal.token}"
        page = self._page(url)
        self.assertIn("I have paid by bank transfer", page)
        for invoice in self.invoice_a | self.invoice_b:
            self.assertRegex(page, rf'name="invoice_ids"[^>]*value="{invoice.id}"')
        response = self._post(
            url=f"{url}/confirm",
            invoice_ids=[str(self.invoice_a.id), str(self.invoice_b.id)],
            amount="1500.00",
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn(f"{url}?confirmation=received", response.headers["Location"])
        confirmation = self.Confirmation.search([("link_id", "=", portal.id)])
        self.assertEqual(confirmation.invoice_ids, self.invoice_a | self.invoice_b)
        self.assertEqual(confirmation.amount, 1500.0)
        self.assertIn(
            "Confirmation received — pending review", self._page(response.headers["Location"])
        )

    def test_portal_refusal_keeps_the_input(self):
        portal = self.env["islebooks.payment.link"]._get_or_create("portal", self.partner_a)
        response = self._post(
            url=f"/pay/{portal.token}/confirm", amount="99999.00", note="Kept note"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("Kept note", response.text)
        self.assertFalse(self.Confirmation.search([("link_id", "=", portal.id)]))

    def test_portal_offers_the_page_invoices_and_accepts_any_granted_one(self):
        customer = self.env["res.partner"].create({"name": "Long Ledger Ltd"})
        invoices = self.env["account.move"]
        for _i in range(22):
            invoices |= self._post_invoice(10.0, partner=customer)
        portal = self.env["islebooks.payment.link"]._get_or_create("portal", customer)
        url = f"/pay/{portal.token}"
        page = self._page(url)
        offered = set(
            map(int, re.findall(r'name="invoice_ids"[^>]*value="(\d+)"[^>]*data-residual', page))
        )
        # The form offers the 20 invoices the page lists, not all 22 of them.
        self.assertEqual(len(offered), 20)
        self.assertLessEqual(offered, set(invoices.ids))
        page_two = invoices.filtered(lambda m: m.id not in offered)[:1]
        response = self._post(url=f"{url}/confirm", invoice_ids=[str(page_two.id)], amount="10.00")
        self.assertEqual(response.status_code, 303, response.text[:500])
        confirmation = self.Confirmation.search([("link_id", "=", portal.id)])
        self.assertEqual(confirmation.invoice_ids, page_two)
        # Another customer's invoice stays refused, and the refused form keeps the choice.
        response = self._post(
            url=f"{url}/confirm", invoice_ids=[str(page_two.id), str(self.invoice_a.id)]
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("cannot be confirmed from this page", response.text)
        self.assertRegex(response.text, rf'value="{page_two.id}"[^>]*checked')
