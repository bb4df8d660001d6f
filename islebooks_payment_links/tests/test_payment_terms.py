import re
from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged

from .common import PaymentLinksHttpCommon


@tagged("post_install", "-at_install")
class TestPaymentTerms(PaymentLinksHttpCommon):
    """Payment links ask what Odoo's own invoice page asks (early-payment
    discounts, installments), and a payment of that amount leaves the invoice
    as Odoo's page would."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Terms Customer", "email": "terms@example.com"}
        )
        cls.epd_term = cls.env.ref("account.account_payment_term_30days_early_discount")
        cls.advance_term = cls.env.ref("account.account_payment_term_advance_60days")
        cls.three_term = cls.env["account.payment.term"].create(
            {
                "name": "40% now, 30% in 10 days, 30% in 60 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 40, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 30, "nb_days": 10}),
                    Command.create({"value": "percent", "value_amount": 30, "nb_days": 60}),
                ],
            }
        )
        cls.env["ir.config_parameter"].sudo().set_param(
            "account_payment.enable_portal_payment", True
        )

    def _invoice_with_term(self, term, amount=1000.0, days_ago=0, partner=None):
        invoice = self._create_invoice(
            partner=partner or self.customer,
            amount=amount,
            post=False,
            invoice_date=fields.Date.today() - timedelta(days=days_ago),
        )
        invoice.invoice_payment_term_id = term
        invoice.action_post()
        return invoice

    # ------------------------------------------------------------------
    # What the pages ask
    # ------------------------------------------------------------------

    @staticmethod
    def _form_amount(body):
        """The amount Odoo's payment form on ``body`` will charge (``data-amount``)."""
        return float(re.search(r'id="o_payment_form"[^>]*?data-amount="([^"]+)"', body).group(1))

    def _odoo_page_amount(self, invoice):
        """What Odoo's own page (/my/invoices/<id>) asks for ``invoice``: the
        installment tab when it shows one (its default), else the amount due."""
        token = invoice._portal_ensure_token()
        body = self.url_open(f"/my/invoices/{invoice.id}?access_token={token}").text
        form = re.search(r'<form[^>]*id="o_payment_form"[^>]*>', body).group(0)
        attribute = (
            "data-invoice-next-amount-to-pay"
            if "o_payment_installments_tab" in body
            else "data-invoice-amount-due"
        )
        return float(re.search(rf'{attribute}="([^"]+)"', form).group(1))

    def _page(self, invoice, query=""):
        response = self.url_open(self._link_path(invoice._get_payment_links()) + query)
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_early_payment_discount_asks_what_odoo_asks(self):
        invoice = self._invoice_with_term(self.epd_term)
        body = self._page(invoice)
        self.assertEqual(self._form_amount(body), 980.0)
        self.assertEqual(self._form_amount(body), self._odoo_page_amount(invoice))
        self.assertIn("Discount of", body)
        self.assertIn("if paid within 7 days", body)
        self.assertRegex(body, r"o_islebooks_epd_amount[^>]*>[\s\S]{0,80}980\.00")
        # The amount due is still the balance; the words say what to pay.
        self.assertRegex(body, r"o_islebooks_amount_due[^>]*>[\s\S]{0,80}1,000\.00")

    def test_next_installment_asks_what_odoo_asks(self):
        invoice = self._invoice_with_term(self.advance_term)
        body = self._page(invoice)
        self.assertEqual(self._form_amount(body), 300.0)
        self.assertEqual(self._form_amount(body), self._odoo_page_amount(invoice))
        self.assertIn("Installment 1 of 2", body)
        # The whole balance is the other choice, as on Odoo's page.
        self.assertIn("o_islebooks_pay_full", body)
        self.assertEqual(self._form_amount(self._page(invoice, "?pay=full")), 1000.0)

    def test_overdue_installments_are_summed_like_odoo(self):
        invoice = self._invoice_with_term(self.three_term, days_ago=20)
        body = self._page(invoice)
        self.assertEqual(self._form_amount(body), 700.0)
        self.assertEqual(self._form_amount(body), self._odoo_page_amount(invoice))
        self.assertIn("Installments 1, 2 of 3", body)
        self.assertIn("(overdue)", body)

    def test_expired_discount_asks_the_full_amount(self):
        invoice = self._invoice_with_term(self.epd_term, days_ago=10)
        body = self._page(invoice)
        self.assertEqual(self._form_amount(body), 1000.0)
        self.assertEqual(self._form_amount(body), self._odoo_page_amount(invoice))
        self.assertNotIn("Discount of", body)

    def test_amount_in_words_is_what_pay_asks(self):
        self.env.company.payment_link_amount_in_words = True
        invoice = self._invoice_with_term(self.advance_term)
        self.assertEqual(
            invoice._get_amount_due_in_words(), invoice.currency_id.amount_to_text(300.0)
        )

    # ------------------------------------------------------------------
    # Paying through the link, with Odoo's Demo provider
    # ------------------------------------------------------------------

    def _pay(self, link_path, route, amount):
        """Start a Demo payment of ``amount`` on ``route``; the JSON answer."""
        csrf = self._csrf(link_path)
        return self._jsonrpc(route, self._pay_params(amount, csrf_token=csrf)).json()

    def _confirm(self, link):
        """The Demo provider confirms the link's last transaction; Odoo post-processes it."""
        tx = link.transaction_ids.sorted("id")[-1:]
        tx.sudo()._handle_notification_data(
            "demo", {"reference": tx.reference, "simulated_state": "done"}
        )
        tx.sudo()._post_process()
        return tx

    def test_paying_the_discounted_amount_settles_with_odoo_discount_entry(self):
        invoice = self._invoice_with_term(self.epd_term)
        link = invoice._get_payment_links()
        path = self._link_path(link)
        result = self._pay(path, path + "/transaction", 980.0)
        self.assertNotIn("error", result, result)
        tx = self._confirm(link)
        self.assertEqual(tx.amount, 980.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        discount_account = self.env.company.account_journal_early_pay_discount_loss_account_id
        discount_lines = tx.payment_id.move_id.line_ids.filtered(
            lambda line: line.account_id == discount_account
        )
        self.assertEqual(sum(discount_lines.mapped("debit")), 20.0)
        self.assertIn("o_islebooks_paid", self.url_open(path).text)

    def test_paying_an_installment_leaves_the_next_one_due(self):
        invoice = self._invoice_with_term(self.advance_term)
        link = invoice._get_payment_links()
        path = self._link_path(link)
        self.assertNotIn("error", self._pay(path, path + "/transaction", 300.0))
        tx = self._confirm(link)
        self.assertEqual(tx.amount, 300.0)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(invoice.amount_residual, 700.0)
        body = self.url_open(path).text
        self.assertIn("Installment 2 of 2", body)
        self.assertEqual(self._form_amount(body), 700.0)
        self.assertEqual(self._form_amount(body), self._odoo_page_amount(invoice))

    def test_today_is_the_customers_day(self):
        # Without the visitor's time zone (geoip), "today" is the customer's
        # (#16): at 23:30 UTC on a discount's last day, a customer in Auckland
        # is on the next day, when it has run out; the payment agrees.
        late = fields.Datetime.to_datetime("2026-03-10 23:30:00")
        self.customer.tz = False
        with freeze_time(late):
            invoice = self._invoice_with_term(self.epd_term, days_ago=7)
            self.assertEqual(self._form_amount(self._page(invoice)), 980.0)
            self.customer.tz = "Pacific/Auckland"
            self.assertEqual(self._form_amount(self._page(invoice)), 1000.0)
            link = invoice._get_payment_links()
            path = self._link_path(link)
            self.assertNotIn("error", self._pay(path, path + "/transaction", 1000.0))
            self.assertEqual(link.transaction_ids.amount, 1000.0)

    def test_invoice_link_never_grants_a_discount_it_does_not_offer(self):
        # The discount ran out three days ago: asking for it charges the full amount.
        invoice = self._invoice_with_term(self.epd_term, days_ago=10)
        link = invoice._get_payment_links()
        path = self._link_path(link)
        self.assertNotIn("error", self._pay(path, path + "/transaction", 980.0))
        self.assertEqual(link.transaction_ids.amount, 1000.0)
        # A bigger discount than the terms give is not granted either.
        running = self._invoice_with_term(self.epd_term)
        link = running._get_payment_links()
        path = self._link_path(link)
        self.assertNotIn("error", self._pay(path, path + "/transaction", 900.0))
        self.assertEqual(link.transaction_ids.amount, 980.0)

    def test_portal_link_refuses_a_tampered_discount(self):
        expired = self._invoice_with_term(self.epd_term, days_ago=10)
        running = self._invoice_with_term(self.epd_term)
        link = self.customer._get_portal_payment_links()
        path = self._link_path(link)
        for invoice, amount in ((expired, 980.0), (running, 900.0)):
            result = self._pay(path, f"{path}/transaction/{invoice.id}", amount)
            self.assertIn("The amount to pay has changed", result["error"]["data"]["message"])
        self.assertFalse(link.transaction_ids)
        # What the page offered goes through.
        result = self._pay(path, f"{path}/transaction/{running.id}", 980.0)
        self.assertNotIn("error", result, result)
        self.assertEqual(link.transaction_ids.amount, 980.0)

    def test_portal_invoice_page_and_checkout_ask_what_odoo_asks(self):
        invoice = self._invoice_with_term(self.advance_term)
        link = self.customer._get_portal_payment_links()
        path = self._link_path(link)
        body = self.url_open(f"{path}/invoice/{invoice.id}").text
        self.assertEqual(self._form_amount(body), self._odoo_page_amount(invoice))
        checkout = self.url_open(f"{path}/checkout?invoice_ids={invoice.id}").text
        self.assertEqual(self._form_amount(checkout), 300.0)
        self.assertIn("Installment 1 of 2", checkout)
        full = self.url_open(f"{path}/checkout?invoice_ids={invoice.id}&amount=1000.0").text
        self.assertEqual(self._form_amount(full), 1000.0)
        self.assertNotIn("o_islebooks_amount_error", full)

    def test_pay_all_settles_each_invoice_as_its_own_page_asks(self):
        # The discounted invoice falls due after the second installment of the
        # other: reconciled by due date alone, that installment would take the
        # money of the discounted invoice and leave it half paid.
        discounted = self._invoice_with_term(self.epd_term)
        installments = self._invoice_with_term(self.three_term)
        plain = self._create_invoice(partner=self.customer, amount=50.0)
        link = self.customer._get_portal_payment_links()
        path = self._link_path(link)
        currency = self.env.company.currency_id
        checkout = self.url_open(f"{path}/checkout?currency={currency.id}").text
        self.assertEqual(self._form_amount(checkout), 980.0 + 400.0 + 50.0)
        result = self._pay(path, f"{path}/transaction/all-{currency.id}", 1430.0)
        self.assertNotIn("error", result, result)
        tx = self._confirm(link)
        self.assertEqual(tx.invoice_ids, discounted | installments | plain)
        for invoice in discounted | plain:
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(installments.payment_state, "partial")
        self.assertEqual(installments.amount_residual, 600.0)
        first = installments.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        ).sorted("date_maturity")[:1]
        self.assertTrue(first.reconciled)
        discount_account = self.env.company.account_journal_early_pay_discount_loss_account_id
        self.assertEqual(
            sum(
                tx.payment_id.move_id.line_ids.filtered(
                    lambda line: line.account_id == discount_account
                ).mapped("debit")
            ),
            20.0,
        )
        # Paying more than asked is refused for several invoices.
        result = self._pay(path, f"{path}/transaction/all-{currency.id}", 700.0)
        self.assertIn("error", result)

    # ------------------------------------------------------------------
    # Open credit: credit notes and payments not yet matched
    # ------------------------------------------------------------------

    def _unmatched_payment(self, partner, amount):
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": amount,
                "journal_id": self.bank_journal.id,
            }
        )
        payment.action_post()
        return payment

    def test_open_credit_is_shown_net_and_paid_net(self):
        invoices = self._create_invoice(partner=self.customer, amount=300.0)
        invoices |= self._create_invoice(partner=self.customer, amount=200.0)
        note = self._create_invoice(partner=self.customer, amount=100.0, move_type="out_refund")
        self._unmatched_payment(self.customer, 50.0)
        link = self.customer._get_portal_payment_links()
        path = self._link_path(link)
        body = self.url_open(path).text
        self.assertRegex(body, r"o_islebooks_net_amount[\s\S]{0,200}350\.00")
        self.assertRegex(body, r"Net of your credit of[\s\S]{0,200}150\.00")
        # The open credit note is available credit, not paid history.
        credit = body[
            body.index("o_islebooks_portal_credit") : body.index("o_islebooks_portal_paid")
        ]
        self.assertIn(note.name, credit)
        self.assertNotIn(
            f'data-invoice-name="{note.name}"', body[body.index("o_islebooks_portal_paid") :]
        )
        # The statement of account agrees with the page to the cent.
        today = fields.Date.today()
        statement = self.customer._get_statement_values(
            self.env.company, today - timedelta(days=30), today
        )
        self.assertAlmostEqual(statement["closing"], 350.0)
        # Pay all asks the net amount and settles everything with the credit.
        currency = self.env.company.currency_id
        checkout = self.url_open(f"{path}/checkout?currency={currency.id}").text
        self.assertEqual(self._form_amount(checkout), 350.0)
        self.assertIn("o_islebooks_credit_applied", checkout)
        result = self._pay(path, f"{path}/transaction/all-{currency.id}", 500.0)
        self.assertIn("The amount to pay has changed", result["error"]["data"]["message"])
        result = self._pay(path, f"{path}/transaction/all-{currency.id}", 350.0)
        self.assertNotIn("error", result, result)
        tx = self._confirm(link)
        self.assertEqual(tx.amount, 350.0)
        for move in invoices | note:
            self.assertIn(move.payment_state, ("paid", "in_payment"), move.name)
        statement = self.customer._get_statement_values(
            self.env.company, today - timedelta(days=30), today
        )
        self.assertAlmostEqual(statement["closing"], 0.0)
        body = self.url_open(path).text
        self.assertNotIn("o_islebooks_pay_all", body)
        self.assertNotIn("o_islebooks_credit_row", body)

    def test_credit_beyond_what_is_due_pays_nothing(self):
        self._create_invoice(partner=self.customer, amount=100.0)
        self._create_invoice(partner=self.customer, amount=150.0, move_type="out_refund")
        link = self.customer._get_portal_payment_links()
        path = self._link_path(link)
        body = self.url_open(path).text
        self.assertRegex(body, r"You have a credit of[\s\S]{0,200}50\.00")
        self.assertNotIn("o_islebooks_pay_all", body)
        currency = self.env.company.currency_id
        checkout = self.url_open(f"{path}/checkout?currency={currency.id}")
        self.assertEqual(checkout.status_code, 400)
        self.assertIn("covers these invoices", checkout.text)
        result = self._pay(path, f"{path}/transaction/all-{currency.id}", 100.0)
        self.assertIn("covers these invoices", result["error"]["data"]["message"])
        self.assertFalse(link.transaction_ids)

    def test_credit_with_a_running_discount(self):
        invoice = self._invoice_with_term(self.epd_term)
        self._create_invoice(partner=self.customer, amount=80.0, move_type="out_refund")
        link = self.customer._get_portal_payment_links()
        path = self._link_path(link)
        body = self.url_open(f"{path}/invoice/{invoice.id}").text
        self.assertEqual(self._form_amount(body), 900.0)
        self.assertIn("o_islebooks_credit_applied", body)
        result = self._pay(path, f"{path}/transaction/{invoice.id}", 900.0)
        self.assertNotIn("error", result, result)
        tx = self._confirm(link)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        discount_account = self.env.company.account_journal_early_pay_discount_loss_account_id
        self.assertEqual(
            sum(
                tx.payment_id.move_id.line_ids.filtered(
                    lambda line: line.account_id == discount_account
                ).mapped("debit")
            ),
            20.0,
        )

    # ------------------------------------------------------------------
    # Messages and forms say the same amount
    # ------------------------------------------------------------------

    def test_whatsapp_messages_ask_what_the_page_asks(self):
        installments = self._invoice_with_term(self.advance_term)
        discounted = self._invoice_with_term(self.epd_term)
        Send = self.env["islebooks.whatsapp.send"]
        one = Send._render_message(self.customer, installments)
        self.assertIn("Amount due: *$ 300.00*", one.replace("\xa0", " "))
        both = Send._render_message(self.customer, installments | discounted).replace("\xa0", " ")
        self.assertIn(f"*{discounted.name}*: $ 980.00", both)
        self.assertIn("Total due: *$ 1,280.00*", both)

    def test_bank_transfer_form_defaults_to_what_the_page_asks(self):
        self.env.company.write(
            {
                "payment_confirmation_enabled": True,
                "payment_confirmation_journal_id": self.bank_journal.id,
            }
        )
        invoice = self._invoice_with_term(self.epd_term)
        body = self._page(invoice)
        amount_input = re.search(r'<input[^>]*name="amount"[^>]*>', body).group(0)
        self.assertIn('value="980.00"', amount_input)
