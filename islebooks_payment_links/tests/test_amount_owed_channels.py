import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from lxml import html

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import format_amount

from .common import PaymentLinksHttpCommon


@tagged("post_install", "-at_install")
class TestAmountOwedChannels(PaymentLinksHttpCommon):
    """One customer, every channel, the same figures.

    The customer: an invoice with a running early-payment discount (1,000.00,
    asks 980.00), one in three installments whose first two are overdue
    (1,000.00, asks 700.00), one partly paid and overdue (500.00 - 200.00
    paid), an open credit note (100.00) and an invoice in a second currency
    (200.00 EUR), and an opening balance of 150.00 USD without an invoice (a
    manual entry on its receivable, due today: an "other amount due"). Worked
    out by hand: it owes 2,350.00 USD (2,300.00 of invoices plus 150.00 less
    100.00 of credit), 1,000.00 of it overdue; paying today asks 2,030.00
    (980 + 700 + 300 + 150 - 100); and 200.00 EUR. Every page, message,
    reminder, statement, form and receipt must say exactly that (a message
    about chosen invoices, Send via WhatsApp, speaks of those invoices only).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {
                "payment_confirmation_enabled": True,
                "payment_confirmation_journal_id": cls.bank_journal.id,
                "payment_link_amount_in_words": True,
            }
        )
        cls.usd = cls.company.currency_id
        cls.eur = cls.setup_other_currency("EUR")
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Channel Traders",
                "is_company": True,
                "email": "channels@example.com",
                "country_id": cls.env.ref("base.mv").id,
                "whatsapp": "777 5151",
            }
        )
        today = fields.Date.today()
        three_term = cls.env["account.payment.term"].create(
            {
                "name": "40% now, 30% in 10 days, 30% in 60 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 40, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 30, "nb_days": 10}),
                    Command.create({"value": "percent", "value_amount": 30, "nb_days": 60}),
                ],
            }
        )
        epd_term = cls.env.ref("account.account_payment_term_30days_early_discount")
        cls.discounted = cls._create_invoice(
            amount=1000.0, invoice_payment_term_id=epd_term.id, post=False
        )
        cls.installments = cls._create_invoice(
            amount=1000.0,
            invoice_date=today - timedelta(days=20),
            invoice_payment_term_id=three_term.id,
            post=False,
        )
        (cls.discounted | cls.installments).action_post()
        cls.partly_paid = cls._create_invoice(amount=500.0, invoice_date=today - timedelta(days=10))
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=cls.partly_paid.ids
        ).create({"journal_id": cls.bank_journal.id, "amount": 200.0})._create_payments()
        cls.credit_note = cls._create_invoice(amount=100.0, move_type="out_refund")
        cls.in_euros = cls._create_invoice(
            amount=200.0, currency=cls.eur, date_due=today + timedelta(days=30)
        )
        cls.usd_invoices = cls.discounted | cls.installments | cls.partly_paid
        cls.opening = cls._create_receivable_entry(150.0, cls.customer)
        cls.portal_link = cls.customer._get_portal_payment_links()
        # What every channel must say (worked out by hand, see the docstring).
        cls.owes = {cls.usd: 2350.0, cls.eur: 200.0}
        cls.overdue = {cls.usd: 1000.0, cls.eur: 0.0}
        cls.to_pay = {cls.usd: 2030.0, cls.eur: 200.0}
        cls.asks = {cls.discounted: 980.0, cls.installments: 700.0, cls.partly_paid: 300.0}

    def _fmt(self, amount, currency):
        return format_amount(self.env, amount, currency).replace("\xa0", " ")

    @staticmethod
    def _text(value):
        return re.sub(r"\s+", " ", str(value).replace("\xa0", " "))

    @staticmethod
    def _form_amount(body):
        return float(re.search(r'id="o_payment_form"[^>]*?data-amount="([^"]+)"', body).group(1))

    def _classes(self, body, css_class):
        page = html.fromstring(body)
        path = f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]"
        return [self._text(node.text_content()).strip() for node in page.xpath(path)]

    def _page(self, path):
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200, path)
        return response.text

    def test_every_channel_says_the_same_figures(self):
        # The decision itself first, against the figures worked out by hand.
        owed = {
            row["currency"]: row
            for row in self.customer._get_amount_owed(self.company, to_pay=True)
        }
        for currency in (self.usd, self.eur):
            with self.subTest(channel="decision", currency=currency.name):
                self.assertEqual(owed[currency]["amount"], self.owes[currency])
                self.assertEqual(owed[currency]["overdue"], self.overdue[currency])
                self.assertEqual(owed[currency]["to_pay"], self.to_pay[currency])
        for invoice, amount in self.asks.items():
            with self.subTest(channel="invoice decision", invoice=invoice.name):
                self.assertEqual(invoice._get_amount_due_values()["amount"], amount)
                self.assertEqual(invoice.payment_link_amount_due, amount)

        portal_path = self._link_path(self.portal_link)
        portal = self._page(portal_path)
        usd_wa, eur_wa = self._fmt(2350.0, self.usd), self._fmt(200.0, self.eur)
        whatsapp_portal = self._text(
            parse_qs(urlsplit(self.portal_link.action_send_whatsapp()["url"]).query)["text"][0]
        )
        Send = self.env["islebooks.whatsapp.send"]
        several = self._text(Send._render_message(self.customer, self.usd_invoices))
        reminder = self._reminder()
        reminder_text = self._text(
            parse_qs(urlsplit(reminder.action_open_whatsapp()["url"]).query)["text"][0]
        )
        statement = self.customer._get_statement_values(
            self.company, fields.Date.today().replace(month=1, day=1), fields.Date.today()
        )
        statement_html, _type = (
            self.env["ir.actions.report"]
            .with_company(self.company)
            ._render_qweb_html(
                "islebooks_payment_links.action_report_partner_statement",
                self.customer.ids,
                data={"company_id": self.company.id},
            )
        )
        reminder_email = self._text(
            html.fromstring(
                self.env.ref(
                    "islebooks_payment_links.mail_template_payment_reminder"
                )._render_field("body_html", reminder.ids)[reminder.id]
            ).text_content()
        )
        table = [
            # (channel, what it says, what it must say)
            ("portal: owed", self._classes(portal, "o_islebooks_net_amount"), [usd_wa, eur_wa]),
            (
                "portal: other amounts due",
                [
                    self._classes(portal, "o_islebooks_item_reference"),
                    self._classes(portal, "o_islebooks_item_due"),
                ],
                [["Opening balance"], [self._fmt(150.0, self.usd)]],
            ),
            (
                "portal: overdue",
                self._classes(portal, "o_islebooks_overdue_total"),
                [f"Overdue: {self._fmt(1000.0, self.usd)}"],
            ),
            (
                "portal checkout: pay all USD",
                self._form_amount(self._page(f"{portal_path}/checkout?currency={self.usd.id}")),
                2030.0,
            ),
            (
                "portal checkout: pay all EUR",
                self._form_amount(self._page(f"{portal_path}/checkout?currency={self.eur.id}")),
                200.0,
            ),
            (
                "Generate Payment Link > WhatsApp",
                (usd_wa in whatsapp_portal, eur_wa in whatsapp_portal),
                (True, True),
            ),
            (
                "Send via WhatsApp, several invoices: total",
                f"Total due: *{self._fmt(1980.0, self.usd)}*" in several,
                True,
            ),
            (
                "reminder: total and overdue",
                [
                    {key: self._text(text) for key, text in row.items()}
                    for row in reminder.due_summary
                ],
                [
                    {
                        "total": f"{self._fmt(2030.0, self.usd)} (net of your credit of "
                        f"{self._fmt(100.0, self.usd)})",
                        "overdue": self._fmt(1000.0, self.usd),
                    }
                ],
            ),
            (
                "reminder: WhatsApp text",
                f"Total due: *{self._fmt(2030.0, self.usd)} (net of your credit of "
                f"{self._fmt(100.0, self.usd)})*, of which *{self._fmt(1000.0, self.usd)}* "
                "overdue" in reminder_text,
                True,
            ),
            (
                "reminder: email text",
                f"Total due: {self._fmt(2030.0, self.usd)} (net of your credit of "
                f"{self._fmt(100.0, self.usd)}), of which {self._fmt(1000.0, self.usd)} "
                "overdue" in reminder_email,
                True,
            ),
            (
                "statement PDF: amount due today",
                self._classes(statement_html.decode(), "o_islebooks_statement_amount_due"),
                [self._fmt(2350.0, self.usd), self._fmt(200.0, self.eur)],
            ),
            (
                "statement: amount due today",
                [(row["currency"], row["amount"], row["overdue"]) for row in statement["owed"]],
                [(self.usd, 2350.0, 1000.0), (self.eur, 200.0, 0.0)],
            ),
        ]
        for invoice, amount in self.asks.items():
            path = self._invoice_path(invoice)
            body = self._page(path)
            figure = self._fmt(amount, self.usd)
            table += [
                (f"invoice page: {invoice.name}", self._form_amount(body), amount),
                (
                    f"transfer form default: {invoice.name}",
                    re.search(r'<input[^>]*name="amount"[^>]*value="([^"]+)"', body).group(1),
                    f"{amount:.2f}",
                ),
                (
                    f"amount in words: {invoice.name}",
                    invoice._get_amount_due_in_words(),
                    self.usd.amount_to_text(amount),
                ),
                (
                    f"Send via WhatsApp, one invoice: {invoice.name}",
                    f"Amount due: *{figure}*"
                    in self._text(Send._render_message(self.customer, invoice)),
                    True,
                ),
                (f"Send via WhatsApp, several: {invoice.name}", f": {figure}" in several, True),
            ]
        for channel, says, expected in table:
            with self.subTest(channel=channel):
                self.assertEqual(says, expected)

    def _reminder(self):
        """A WhatsApp reminder about the three USD invoices, linking to the portal."""
        Reminder = self.env["islebooks.payment.reminder"].sudo()
        reminder = Reminder.create(
            {
                "company_id": self.company.id,
                "partner_id": self.customer.id,
                "contact_id": self.customer.id,
                "channel": "whatsapp",
                "date": fields.Date.today(),
                "move_ids": [Command.set(self.usd_invoices.ids)],
                "link_id": self.portal_link.id,
            }
        )
        self.assertEqual(reminder.open_move_ids, self.usd_invoices)
        return reminder

    def test_paying_today_leaves_what_every_channel_then_says(self):
        portal_path = self._link_path(self.portal_link)
        csrf = self._csrf(portal_path)
        result = self._jsonrpc(
            f"{portal_path}/transaction/all-{self.usd.id}",
            self._pay_params(2030.0, csrf_token=csrf),
        ).json()
        self.assertNotIn("error", result, result)
        tx = self.portal_link.transaction_ids
        self.assertEqual(tx.amount, 2030.0)
        self.assertEqual(tx.islebooks_receivable_line_ids, self.opening)
        tx.sudo()._handle_notification_data(
            "demo", {"reference": tx.reference, "simulated_state": "done"}
        )
        tx.sudo()._post_process()
        # Each invoice settled as it asked, the credit used: 300.00 left (the
        # third installment), as the portal, the receipt and its email say.
        self.assertEqual(self.discounted.payment_state, "paid")
        self.assertIn(self.partly_paid.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.installments.amount_residual, 300.0)
        self.assertTrue(self.credit_note.line_ids.filtered("reconciled"))
        # The opening balance too, with this payment (and the credit it uses).
        self.assertTrue(self.opening.reconciled)
        self.assertIn(tx.payment_id.move_id, self.opening.matched_credit_ids.credit_move_id.move_id)
        self.assertLessEqual(
            self.opening.matched_credit_ids.credit_move_id.move_id,
            tx.payment_id.move_id | self.credit_note,
        )
        owed = {
            row["currency"]: row["amount"] for row in self.customer._get_amount_owed(self.company)
        }
        self.assertEqual(owed, {self.usd: 300.0, self.eur: 200.0})
        portal = self._page(portal_path)
        self.assertIn(self._fmt(300.0, self.usd), self._classes(portal, "o_islebooks_net_amount"))
        self.assertEqual(self.portal_link._get_receipt_values(tx)["remaining"], 300.0)
        # The receipt email is rendered by its job, once the payment has committed.
        self.env["islebooks.payment.receipt"]._cron_send_payment_receipts()
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "account.payment"), ("res_id", "=", tx.payment_id.id)])
        )
        self.assertEqual(len(mail), 1)
        self.assertIn(
            f"Remaining balance: {self._fmt(300.0, self.usd)}",
            self._text(html.fromstring(mail.body_html).text_content()),
        )
