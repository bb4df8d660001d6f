"""Payment reminders (#14): the policy against a clock, what is sent, the job's
idempotence, opt-outs, companies and languages, the staff queue, and cost."""

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from freezegun import freeze_time
from markupsafe import Markup
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import PaymentLinksCommon

DAY0 = date(2026, 3, 10)


@tagged("post_install", "-at_install")
class PaymentRemindersCommon(PaymentLinksCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {
                "payment_reminder_enabled": True,
                "payment_reminder_steps": "-3, 0, 7, 21",
                "payment_reminder_min_interval": 5,
            }
        )
        cls.Reminder = cls.env["islebooks.payment.reminder"]
        cls.customer.write({"name": "Reminded Customer", "lang": "en_US"})

    @classmethod
    def _customer(cls, name, **vals):
        return cls.env["res.partner"].create(
            {"name": name, "email": f"{name.split()[0].lower()}@example.com", **vals}
        )

    @classmethod
    def _invoice_due(cls, due, partner=None, amount=100.0, company=None, term=None):
        """A posted invoice dated and due on ``due`` (or dated ``due`` with ``term``)."""
        invoice = cls._create_invoices(
            1, partner=partner, amount=amount, post=False, invoice_date=due, company=company
        )
        if term:
            invoice.invoice_payment_term_id = term
        invoice.action_post()
        return invoice

    def _run(self, on, batch_size=100, **context):
        """Run the job on day ``on`` the way Odoo's cron does: batches until done."""
        Reminder = self.Reminder.with_context(**context)
        with freeze_time(on):
            for _i in range(50):
                if not Reminder._cron_send_payment_reminders(batch_size=batch_size):
                    break
            self.env.flush_all()

    def _mails(self, partner):
        return self.env["mail.mail"].search(
            [("model", "=", "islebooks.payment.reminder"), ("recipient_ids", "in", partner.ids)],
            order="id",
        )

    def _reminders(self, partner):
        return self.Reminder.search([("partner_id", "=", partner.id)], order="id")


@tagged("post_install", "-at_install")
class TestReminderPolicy(PaymentRemindersCommon):
    def test_steps_against_the_clock_with_minimum_interval(self):
        invoice = self._invoice_due(DAY0)
        self._run(DAY0 - timedelta(days=4))
        self.assertFalse(self._reminders(self.customer), "4 days before due: no step yet")
        self._run(DAY0 - timedelta(days=3))
        self._run(DAY0 - timedelta(days=2))
        reminders = self._reminders(self.customer)
        self.assertEqual(reminders.mapped("step"), [-3])
        self.assertEqual(reminders.state, "sent")
        self.assertEqual(len(self._mails(self.customer)), 1)
        # Due date: step 0 reached, but the last reminder was 3 days ago (< 5).
        self._run(DAY0)
        self.assertEqual(len(self._reminders(self.customer)), 1)
        self._run(DAY0 + timedelta(days=2))  # 5 days after the first one
        self._run(DAY0 + timedelta(days=7))
        self._run(DAY0 + timedelta(days=21))
        self._run(DAY0 + timedelta(days=60))
        reminders = self._reminders(self.customer)
        self.assertEqual(reminders.mapped("step"), [-3, 0, 7, 21])
        self.assertEqual(len(self._mails(self.customer)), 4)
        self.assertEqual(invoice.payment_reminder_count, 4)
        self.assertEqual(self.customer.payment_reminder_count, 4)
        self.assertEqual(invoice.payment_reminder_last_date.date(), DAY0 + timedelta(days=21))
        notes = invoice.message_ids.filtered(lambda m: "Payment reminder" in (m.body or ""))
        self.assertEqual(len(notes), 4)
        self.assertIn("21 days after due", notes[0].body)
        self.assertIn("the scheduled job", notes[0].body)
        self.assertIn(invoice.name, notes[0].body)
        self.assertIn(f"Payment link of {invoice.name}", notes[0].body)
        self.assertNotIn(invoice.payment_link_id.token, notes[0].body, "no credential logged")
        self.assertEqual(
            len(self.customer.message_ids.filtered(lambda m: "Payment reminder" in (m.body or ""))),
            4,
        )

    def test_an_old_invoice_gets_only_its_latest_step(self):
        self._invoice_due(DAY0 - timedelta(days=40))
        self._run(DAY0)
        self._run(DAY0 + timedelta(days=30))
        self.assertEqual(self._reminders(self.customer).mapped("step"), [21])

    def test_installments_are_reminded_by_their_own_due_date(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "40% now, 60% in 30 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 40, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 60, "nb_days": 30}),
                ],
            }
        )
        invoice = self._invoice_due(DAY0, amount=1000.0, term=term)
        self._run(DAY0)
        first = self._reminders(self.customer)
        self.assertEqual(first.step, 0)
        body = self._mails(self.customer).body_html
        self.assertIn("400.00", body, "the first installment, as Odoo's page asks")
        self.assertNotIn("1,000.00", body)
        with freeze_time(DAY0 + timedelta(days=1)):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"journal_id": self.bank_journal.id, "amount": 400.0})._create_payments()
        # Second installment due DAY0 + 30: its own -3 step.
        self._run(DAY0 + timedelta(days=26))
        self.assertEqual(len(self._reminders(self.customer)), 1)
        self._run(DAY0 + timedelta(days=27))
        second = self._reminders(self.customer) - first
        self.assertEqual(second.step, -3)
        self.assertEqual(second.line_ids.due_date, DAY0 + timedelta(days=30))
        body = self._mails(self.customer)[-1].body_html
        self.assertIn("600.00", body)
        self.assertIn("04/09/2026", body, "the installment's due date")

    def test_early_payment_discount_reminded_by_its_deadline(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "2% within 10 days, net 30",
                "early_discount": True,
                "discount_percentage": 2,
                "discount_days": 10,
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})
                ],
            }
        )
        self._invoice_due(DAY0, amount=1000.0, term=term)
        self._run(DAY0 + timedelta(days=7))  # 3 days before the discount ends
        reminder = self._reminders(self.customer)
        self.assertEqual(reminder.step, -3)
        self.assertEqual(reminder.line_ids.due_date, DAY0 + timedelta(days=10))
        self.assertIn("980.00", self._mails(self.customer).body_html)
        # The discount is over: the invoice's own due date counts, full amount.
        self._run(DAY0 + timedelta(days=27))
        last = self._reminders(self.customer)[-1]
        self.assertEqual(last.line_ids.due_date, DAY0 + timedelta(days=30))
        self.assertIn("1,000.00", self._mails(self.customer)[-1].body_html)

    def test_steps_are_validated(self):
        with self.assertRaisesRegex(ValidationError, "at least 1"):
            self.company.payment_reminder_min_interval = 0
        self.company.payment_reminder_min_interval = 5
        with self.assertRaisesRegex(ValidationError, "not a number of days"):
            self.company.payment_reminder_steps = "-3, soon, 7"
        with self.assertRaisesRegex(ValidationError, "more than a year"):
            self.company.payment_reminder_steps = "-3, 400"
        with self.assertRaisesRegex(ValidationError, "at least one reminder step"):
            self.company.payment_reminder_steps = " , "
        self.company.payment_reminder_steps = "21,-3, 7 ,0, 7"
        self.assertEqual(self.company._get_payment_reminder_steps(), [-3, 0, 7, 21])


@tagged("post_install", "-at_install")
class TestReminderContent(PaymentRemindersCommon):
    def test_one_invoice_gets_its_own_link(self):
        invoice = self._invoice_due(DAY0, amount=150.0)
        self._run(DAY0)
        reminder = self._reminders(self.customer)
        self.assertEqual(reminder.link_id, invoice.payment_link_id)
        self.assertEqual(reminder.link_id.scope, "invoice")
        mail = self._mails(self.customer)
        self.assertIn(invoice.payment_link_id.url, mail.body_html)
        self.assertIn(invoice.name, mail.body_html)
        self.assertIn("150.00", mail.body_html)
        self.assertEqual(mail.subject, f"Payment reminder from {self.company.name}")

    def test_several_invoices_get_the_portal_link_and_what_is_due(self):
        overdue = self._invoice_due(DAY0 - timedelta(days=7), amount=200.0)
        soon = self._invoice_due(DAY0 + timedelta(days=3), amount=50.0)
        later = self._invoice_due(DAY0 + timedelta(days=40), amount=25.0)
        paid = self._invoice_due(DAY0 - timedelta(days=7), amount=999.0)
        self._pay_in_full(paid)
        self._run(DAY0)
        reminder = self._reminders(self.customer)
        self.assertEqual(reminder.link_id.scope, "portal")
        self.assertEqual(reminder.open_move_ids, overdue | soon | later)
        body = self._mails(self.customer).body_html
        self.assertIn(reminder.link_id.url, body)
        self.assertFalse(
            self.Link.search([("move_id", "in", (overdue | soon | later).ids)]),
            "no invoice link is handed out with the portal link",
        )
        for invoice in overdue | soon | later:
            self.assertIn(invoice.name, body)
        self.assertNotIn(paid.name, body, "a paid invoice is never listed")
        self.assertIn("275.00", body, "the total due")
        self.assertIn("200.00</b> overdue", body, "the overdue part, highlighted")
        # The reminder's lines: only the invoices that reached a step.
        self.assertEqual(reminder.line_ids.move_id, overdue | soon)

    def test_customer_owing_only_other_amounts_due_is_reminded_on_the_portal(self):
        """A customer owing only receivable items without an invoice (a Point of Sale
        sale on account, here a manual entry) is reminded once an item is past a step
        after its date, with the portal link and the total the portal shows; each step
        once; not once it is paid. An item of today is not reminded yet."""
        item = self._create_receivable_entry(
            150.0, self.customer, date=DAY0 - timedelta(days=7), ref="Shop/0042"
        )
        today_buyer = self._customer("Today Buyer")
        self._create_receivable_entry(80.0, today_buyer, date=DAY0, ref="Shop/0043")
        self._run(DAY0)
        self.assertFalse(self._reminders(today_buyer))
        reminder = self._reminders(self.customer)
        self.assertEqual((reminder.state, reminder.step), ("sent", 7))
        self.assertFalse(reminder.move_ids)
        self.assertEqual(reminder.line_ids.item_id, item)
        self.assertEqual(reminder.link_id, self.customer._get_portal_payment_links())
        [owed] = self.customer._get_amount_owed(self.company)
        self.assertEqual(owed["amount"], 150.0)
        self.assertEqual(reminder.due_summary_text, "$\N{NO-BREAK SPACE}150.00")
        body = self._mails(self.customer).body_html
        self.assertIn(reminder.link_id.url, body)
        self.assertIn("150.00", body)
        # The customer's chatter names the amount reminded as the portal does.
        self.assertIn(
            "Invoices and other amounts due: Shop/0042.",
            self.customer.message_ids[0].body,
        )
        # The WhatsApp text of such a reminder (Open WhatsApp) says the same.
        text = self.env.ref(
            "islebooks_payment_links.whatsapp_template_payment_reminders"
        )._render_message(reminder, add_context={"invoice": reminder.open_move_ids})
        self.assertIn("Total due: *$\N{NO-BREAK SPACE}150.00*", text)
        self.assertIn(reminder.link_id.url, text)
        # Step 7 is not reminded twice; once paid, step 21 is not reminded at all.
        self._run(DAY0 + timedelta(days=10))
        self.assertEqual(len(self._reminders(self.customer)), 1)
        self.env["account.payment.register"].with_context(
            active_model="account.move.line", active_ids=item.ids
        ).create({"journal_id": self.bank_journal.id})._create_payments()
        self._run(DAY0 + timedelta(days=30))
        self.assertEqual(len(self._reminders(self.customer)), 1)

    def test_statement_of_account_attached_where_enabled(self):
        self.company.payment_reminder_attach_statement = True
        self._invoice_due(DAY0)
        self._run(DAY0, force_report_rendering=True)
        attachment = self._mails(self.customer).attachment_ids
        self.assertEqual(len(attachment), 1)
        self.assertEqual(attachment.mimetype, "application/pdf")
        self.assertTrue(attachment.name.startswith("Statement"))
        self.assertTrue(attachment.raw.startswith(b"%PDF"))

    def test_rendered_in_the_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        template = self.env.ref("islebooks_payment_links.mail_template_payment_reminder")
        template.with_context(
            lang="fr_FR"
        ).subject = "Rappel de paiement de {{ object.company_id.name }}"
        french = self._customer("Francine Client", lang="fr_FR")
        self._invoice_due(DAY0, partner=french, amount=1234.5)
        self._invoice_due(DAY0, amount=1234.5)
        self._run(DAY0)
        french_mail = self._mails(french)
        self.assertEqual(french_mail.subject, f"Rappel de paiement de {self.company.name}")
        self.assertIn("1\N{NO-BREAK SPACE}234,50", french_mail.body_html)
        english_mail = self._mails(self.customer)
        self.assertEqual(english_mail.subject, f"Payment reminder from {self.company.name}")
        self.assertIn("1,234.50", english_mail.body_html)


@tagged("post_install", "-at_install")
class TestReminderJob(PaymentRemindersCommon):
    def test_running_twice_sends_once(self):
        other = self._customer("Omar Other")
        self._invoice_due(DAY0)
        self._invoice_due(DAY0, partner=other)
        self._run(DAY0)
        self._run(DAY0)
        self._run(DAY0 + timedelta(days=1))
        self.assertEqual(len(self._mails(self.customer)), 1)
        self.assertEqual(len(self._mails(other)), 1)
        self.assertEqual(self.Reminder.search_count([("state", "=", "to_send")]), 0)

    def test_a_call_past_its_time_budget_leaves_the_rest_to_the_next(self):
        other = self._customer("Omar Other")
        self._invoice_due(DAY0)
        self._invoice_due(DAY0, partner=other)
        self.env["ir.config_parameter"].sudo().set_param(
            "islebooks_payment_links.job_pass_seconds", "0"
        )
        cron = self.env.ref("islebooks_payment_links.ir_cron_payment_reminders").sudo()
        with freeze_time(DAY0):
            _cron, progress = cron._add_progress()
            self.Reminder.with_context(
                ir_cron_progress_id=progress.id
            )._cron_send_payment_reminders()
            # Both planned, one email (a statement PDF each) begun, one left
            # for Odoo's runner to call again.
            self.assertEqual(len(self._mails(self.customer) | self._mails(other)), 1)
            self.assertEqual((progress.done, progress.remaining), (3, 1))
            self.assertEqual(self.Reminder.search_count([("state", "=", "to_send")]), 1)
        self._run(DAY0)
        self.assertEqual(len(self._mails(self.customer)), 1)
        self.assertEqual(len(self._mails(other)), 1)

    def test_failure_mid_batch_loses_nothing_and_sends_nothing_twice(self):
        bad = self._customer("Bad Customer")
        good = self._customer("Good Customer")
        for partner in (self.customer, bad, good):
            self._invoice_due(DAY0, partner=partner)
        template = self.env.ref("islebooks_payment_links.mail_template_payment_reminder")
        original = template.body_html
        template.body_html = (
            Markup('<p t-if="object.partner_id.name == \'Bad Customer\'" t-out="1 / 0"/>')
            + original
        )
        self._run(DAY0, batch_size=1)
        self.assertEqual(len(self._mails(self.customer)), 1)
        self.assertEqual(len(self._mails(good)), 1)
        self.assertFalse(self._mails(bad))
        failed = self._reminders(bad)
        self.assertEqual(failed.state, "to_send", "kept to be sent again")
        self.assertTrue(failed.error)
        # Same run again within the retry delay: nothing happens.
        self._run(DAY0, batch_size=1)
        self.assertFalse(self._mails(bad))
        # Template fixed, next run: the failed one goes, once; the others not again.
        template.body_html = original
        self._run(DAY0 + timedelta(days=1), batch_size=1)
        self._run(DAY0 + timedelta(days=1), batch_size=1)
        self.assertEqual(len(self._mails(bad)), 1)
        self.assertEqual(len(self._mails(self.customer)), 1)
        self.assertEqual(len(self._mails(good)), 1)
        self.assertEqual(failed.state, "sent")
        self.assertFalse(failed.error)

    def test_a_second_reminder_of_the_same_step_cannot_be_stored(self):
        invoice = self._invoice_due(DAY0)
        self._run(DAY0)
        reminder = self._reminders(self.customer)
        # What a second worker planning the same step would insert.
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["islebooks.payment.reminder.line"].sudo().create(
                {"reminder_id": reminder.id, "move_id": invoice.id, "due_date": DAY0, "step": 0}
            )
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.Reminder.sudo().create(
                {
                    "company_id": self.company.id,
                    "partner_id": self.customer.id,
                    "channel": "email",
                    "date": DAY0,
                }
            )

    def test_skips_paid_cancelled_and_pending_payment_invoices(self):
        paid = self._invoice_due(DAY0, partner=self._customer("Paid Customer"))
        self._pay_in_full(paid)
        cancelled = self._invoice_due(DAY0, partner=self._customer("Cancelled Customer"))
        cancelled.button_cancel()
        pending = self._invoice_due(DAY0, partner=self._customer("Pending Customer"))
        self.env["islebooks.payment.confirmation"].sudo().create(
            {
                "company_id": self.company.id,
                "partner_id": pending.commercial_partner_id.id,
                "invoice_ids": [Command.set(pending.ids)],
                "amount": 100.0,
                "currency_id": pending.currency_id.id,
                "transfer_date": DAY0,
                "bank_reference": "TRF-1",
            }
        )
        processing = self._invoice_due(DAY0, partner=self._customer("Processing Customer"))
        self.env["payment.transaction"].sudo().create(
            {
                "provider_id": self.demo_provider.id,
                "payment_method_id": self.demo_provider.payment_method_ids[:1].id,
                "amount": 100.0,
                "currency_id": processing.currency_id.id,
                "partner_id": processing.partner_id.id,
                "reference": "REMINDER-TX-1",
                "invoice_ids": [Command.set(processing.ids)],
                "state": "pending",
            }
        )
        self._run(DAY0)
        self.assertFalse(self.Reminder.search([]))

    def test_opt_outs(self):
        opted_out = self._customer("Optout Customer", payment_reminder_disabled=True)
        self._invoice_due(DAY0, partner=opted_out)
        disputed = self._invoice_due(DAY0)
        disputed.payment_reminder_disabled = True
        other_company = self.setup_other_company(name="Reminders Off Co")["company"]
        self._invoice_due(DAY0, partner=self._customer("Elsewhere Customer"), company=other_company)
        self._run(DAY0)
        self.assertFalse(self.Reminder.search([]))
        # A contact of an opted-out company is not reminded either.
        contact = self.env["res.partner"].create(
            {"name": "Optout Contact", "parent_id": opted_out.id, "email": "c@example.com"}
        )
        self._invoice_due(DAY0, partner=contact)
        self._run(DAY0)
        self.assertFalse(self.Reminder.search([]))

    def test_channel_per_customer(self):
        mv = self.env.ref("base.mv")
        auto_wa = self._customer("Aminath Auto", country_id=mv.id, whatsapp="777 1234")
        forced_email = self._customer(
            "Eman Email", country_id=mv.id, whatsapp="777 4321", payment_reminder_channel="email"
        )
        nothing = self.env["res.partner"].create({"name": "Nadia Nothing"})
        for partner in (auto_wa, forced_email, nothing):
            self._invoice_due(DAY0, partner=partner)
        self._run(DAY0)
        queued = self._reminders(auto_wa)
        self.assertEqual((queued.channel, queued.state), ("whatsapp", "to_send"))
        self.assertFalse(self._mails(auto_wa), "WhatsApp waits for staff")
        self.assertEqual(self._reminders(forced_email).channel, "email")
        self.assertEqual(len(self._mails(forced_email)), 1)
        skipped = self._reminders(nothing)
        self.assertEqual(skipped.state, "skipped")
        self.assertIn("no email address nor WhatsApp number", skipped.error)
        # The queued WhatsApp reminder holds the customer: no email on top the next days.
        self._run(DAY0 + timedelta(days=7))
        self.assertEqual(len(self._reminders(auto_wa)), 1)


@tagged("post_install", "-at_install")
class TestReminderCompanies(PaymentRemindersCommon):
    def test_each_company_reminds_its_own_invoices_with_its_own_link(self):
        data_b = self.setup_other_company(name="Reminders B Co")
        company_b = data_b["company"]
        company_b.payment_reminder_enabled = True
        self.env["res.partner.bank"].create(
            {"acc_number": "MV-B-0001", "partner_id": company_b.partner_id.id}
        )
        invoice_a = self._invoice_due(DAY0)
        invoice_b = self._invoice_due(DAY0, company=company_b)
        self._run(DAY0)
        reminders = self._reminders(self.customer)
        self.assertEqual(len(reminders), 2)
        by_company = {reminder.company_id: reminder for reminder in reminders}
        self.assertEqual(by_company[self.company].open_move_ids, invoice_a)
        self.assertEqual(by_company[company_b].open_move_ids, invoice_b)
        self.assertEqual(by_company[company_b].link_id.company_id, company_b)
        self.assertEqual(by_company[company_b].link_id.move_id, invoice_b)
        # A user of company A only sees A's reminders.
        user_a = new_test_user(
            self.env,
            login="reminders_user_a",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertEqual(
            self.Reminder.with_user(user_a).search([("partner_id", "=", self.customer.id)]),
            by_company[self.company],
        )
        with self.assertRaises(AccessError):
            by_company[company_b].with_user(user_a).action_skip()


@tagged("post_install", "-at_install")
class TestReminderQueue(PaymentRemindersCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wa_customer = cls._customer(
            "Hawwa Queue", country_id=cls.env.ref("base.mv").id, whatsapp="777 1234"
        )
        cls.staff = new_test_user(
            cls.env, login="reminders_staff", groups="account.group_account_invoice"
        )

    def test_open_whatsapp_logs_and_marks_sent(self):
        invoice = self._invoice_due(DAY0, partner=self.wa_customer)
        self._run(DAY0)
        reminder = self._reminders(self.wa_customer).with_user(self.staff)
        with freeze_time(DAY0):
            action = reminder.action_open_whatsapp()
        self.assertTrue(action["url"].startswith("https://wa.me/9607771234?text="))
        self.assertIn(invoice.payment_link_id.token, action["url"])
        self.assertEqual(reminder.state, "sent")
        self.assertEqual(reminder.sent_by_id, self.staff)
        note = invoice.message_ids.filtered(lambda m: "Payment reminder" in (m.body or ""))
        self.assertIn("by WhatsApp", note.body)
        self.assertIn(self.staff.name, note.body)
        with self.assertRaisesRegex(UserError, "already sent or skipped"):
            reminder.action_open_whatsapp()

    def test_whatsapp_text_of_one_and_of_several_invoices(self):
        def text(reminder):
            with freeze_time(DAY0):
                url = urlsplit(reminder.with_user(self.staff).action_open_whatsapp()["url"])
            return parse_qs(url.query)["text"][0].replace("\N{NO-BREAK SPACE}", " ")

        company = self.env.company.name
        first = self._invoice_due(DAY0, partner=self.wa_customer, amount=100.0)
        self._run(DAY0)
        self.assertEqual(
            text(self._reminders(self.wa_customer)),
            f"Hello Hawwa Queue,\n\nA reminder about invoice *{first.name}* from {company}: "
            f"*$ 100.00* due on 03/10/2026.\n\nView and pay it online:\n"
            f"{first.payment_link_id.url}\n\n"
            "If you have already paid, please ignore this message. Thank you!",
        )
        other = self._customer(
            "Hawwa Two", country_id=self.env.ref("base.mv").id, whatsapp="7771235"
        )
        second = self._invoice_due(DAY0 - timedelta(days=5), partner=other, amount=50.0)
        third = self._invoice_due(DAY0, partner=other, amount=20.0)
        self._run(DAY0)
        reminder = self._reminders(other)
        self.assertEqual(
            text(reminder),
            f"Hello Hawwa Two,\n\nA reminder about your open invoices with {company}:\n\n"
            f"• *{second.name}*: $ 50.00 due on 03/05/2026 (overdue)\n\n"
            f"• *{third.name}*: $ 20.00 due on 03/10/2026\n\n"
            "Total due: *$ 70.00*, of which *$ 50.00* overdue\n\n"
            f"View and pay them all online:\n{reminder.link_id.url}\n\n"
            "If you have already paid, please ignore this message. Thank you!",
        )

    def test_send_now_and_skip(self):
        self.company.payment_reminder_min_interval = 1
        other = self._customer(
            "Sami Skip", country_id=self.env.ref("base.mv").id, whatsapp="7770000"
        )
        self._invoice_due(DAY0, partner=self.wa_customer)
        self._invoice_due(DAY0, partner=other)
        self._run(DAY0)
        skipped = self._reminders(other).with_user(self.staff)
        skipped.action_skip()
        self.assertEqual(skipped.state, "skipped")
        with self.assertRaisesRegex(UserError, "Open WhatsApp"):
            self._reminders(self.wa_customer).with_user(self.staff).action_send_now()
        # A skipped step is not queued again the next day.
        self._run(DAY0 + timedelta(days=1))
        self.assertEqual(len(self._reminders(other)), 1)
        # An email reminder that failed: Send now sends it at once.
        template = self.env.ref("islebooks_payment_links.mail_template_payment_reminder")
        original = template.body_html
        template.body_html = '<p t-out="1 / 0"/>'
        self._invoice_due(DAY0 + timedelta(days=10))
        self._run(DAY0 + timedelta(days=10))
        failed = self._reminders(self.customer).with_user(self.staff)
        self.assertEqual(failed.state, "to_send")
        with self.assertRaisesRegex(UserError, "could not be sent"):
            failed.action_send_now()
        template.body_html = original
        failed.action_send_now()
        self.assertEqual(failed.state, "sent")
        self.assertEqual(failed.sent_by_id, self.staff)
        self.assertEqual(len(self._mails(self.customer)), 1)

    def test_payment_removes_invoices_from_the_queue_at_once(self):
        first = self._invoice_due(DAY0, partner=self.wa_customer)
        second = self._invoice_due(DAY0 - timedelta(days=7), partner=self.wa_customer)
        self._run(DAY0)
        reminder = self._reminders(self.wa_customer)
        self.assertEqual(reminder.move_ids, first | second)
        self._pay_in_full(second)
        self.assertEqual(reminder.move_ids, first, "the paid invoice left the queue line")
        self._pay_in_full(first)
        self.assertEqual(reminder.state, "skipped", "nothing left: the line leaves the queue")
        self.assertFalse(
            self.Reminder.search(
                [("state", "=", "to_send"), ("move_ids", "in", (first | second).ids)]
            )
        )

    def test_submitted_confirmation_removes_invoices_from_the_queue_at_once(self):
        partial = self._customer("Paula Partial")
        full = self._customer("Fiona Full")
        invoices = {
            partner: self._invoice_due(DAY0, partner=partner)
            | self._invoice_due(DAY0 - timedelta(days=7), partner=partner)
            for partner in (partial, full)
        }
        # The emails fail once: both reminders stay queued, to be sent later.
        template = self.env.ref("islebooks_payment_links.mail_template_payment_reminder")
        original = template.body_html
        template.body_html = '<p t-out="1 / 0"/>'
        self._run(DAY0)
        template.body_html = original
        queued = {partner: self._reminders(partner) for partner in (partial, full)}
        for partner, reminder in queued.items():
            self.assertEqual(reminder.state, "to_send")
            self.assertEqual(reminder.move_ids, invoices[partner])
        Confirmation = self.env["islebooks.payment.confirmation"].sudo()
        Link = self.env["islebooks.payment.link"]
        confirmed = invoices[partial][1]
        for partner, moves in ((partial, confirmed), (full, invoices[full])):
            Confirmation._create_from_link(
                Link._get_or_create("portal", partner),
                moves,
                {"amount": sum(moves.mapped("amount_residual")), "transfer_date": DAY0},
            )
        self.assertEqual(queued[partial].move_ids, invoices[partial][0])
        self.assertEqual(queued[partial].state, "to_send")
        self.assertEqual(queued[full].state, "skipped", "nothing left: the line leaves the queue")
        self.assertFalse(queued[full].move_ids)
        # The next run sends the other invoice only, and nothing to the customer who paid all.
        self._run(DAY0 + timedelta(days=1))
        self.assertEqual(queued[partial].state, "sent")
        body = self._mails(partial).body_html
        self.assertIn(invoices[partial][0].name, body)
        self.assertNotIn(confirmed.name, body)
        self.assertFalse(self._mails(full))
        self.assertEqual(self._reminders(full), queued[full], "no new reminder either")
        for move in confirmed | invoices[full]:
            self.assertFalse(
                move.message_ids.filtered(lambda m: "Payment reminder" in (m.body or "")),
                move.name,
            )

    def test_pending_confirmation_leaves_the_queue_when_opened(self):
        invoice = self._invoice_due(DAY0, partner=self.wa_customer)
        self._run(DAY0)
        self.env["islebooks.payment.confirmation"].sudo().create(
            {
                "company_id": self.company.id,
                "partner_id": self.wa_customer.id,
                "invoice_ids": [Command.set(invoice.ids)],
                "amount": 100.0,
                "currency_id": invoice.currency_id.id,
                "transfer_date": DAY0,
                "bank_reference": "TRF-QUEUE",
            }
        )
        action = self.Reminder.with_user(self.staff)._action_open_queue()
        self.assertEqual(action["res_model"], "islebooks.payment.reminder")
        self.assertEqual(self._reminders(self.wa_customer).state, "skipped")

    def test_only_invoicing_staff(self):
        self._invoice_due(DAY0, partner=self.wa_customer)
        self._run(DAY0)
        reminder = self._reminders(self.wa_customer)
        outsider = new_test_user(self.env, login="reminders_outsider", groups="base.group_user")
        with self.assertRaises(AccessError):
            reminder.with_user(outsider).read(["state"])
        with self.assertRaises(AccessError):
            reminder.with_user(outsider).action_open_whatsapp()
        with self.assertRaises(AccessError):
            self.Reminder.with_user(outsider)._action_open_queue()
        # Staff cannot rewrite a reminder over RPC (e.g. mark it sent, change its link).
        with self.assertRaises(AccessError):
            reminder.with_user(self.staff).write({"state": "sent"})
        with self.assertRaises(AccessError):
            self.Reminder.with_user(self.staff).create(
                {
                    "company_id": self.company.id,
                    "partner_id": self.customer.id,
                    "channel": "email",
                    "date": DAY0,
                }
            )


@tagged("post_install", "-at_install")
class TestReminderQueries(PaymentRemindersCommon):
    def _measure(self, day, customers, invoices_each):
        for customer in customers:
            for _i in range(invoices_each):
                self._invoice_due(day, partner=customer)
        self.env.flush_all()
        self.env.invalidate_all()
        with freeze_time(day):
            before = self.env.cr.sql_log_count
            remaining = self.Reminder._cron_send_payment_reminders()
            self.env.flush_all()
            count = self.env.cr.sql_log_count - before
        self.assertEqual(remaining, 0)
        self.assertEqual(len(self.Reminder.search([("partner_id", "in", customers.ids)])), 3)
        customers.payment_reminder_disabled = True  # out of the next measurement
        return count

    def test_queries_do_not_grow_with_invoices(self):
        few = self._customer("Few A") | self._customer("Few B") | self._customer("Few C")
        many = self._customer("Many A") | self._customer("Many B") | self._customer("Many C")
        # Warm-up run (first link, first mail of the day, templates read).
        warm = self._customer("Warm A") | self._customer("Warm B") | self._customer("Warm C")
        self._measure(DAY0 - timedelta(days=100), warm, 2)
        with_few = self._measure(DAY0, few, 2)
        with_many = self._measure(DAY0 + timedelta(days=60), many, 8)
        self.assertEqual(with_many, with_few)


@tagged("post_install", "-at_install")
class TestReminderQueueTour(PaymentRemindersCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.env.ref("base.user_admin")
        admin.write(
            {
                "company_id": cls.company.id,
                "company_ids": [Command.link(cls.company.id)],
                "groups_id": [Command.link(cls.env.ref("account.group_account_invoice").id)],
            }
        )
        mv = cls.env.ref("base.mv")
        cls.hawwa = cls._customer("Tour Reminder Hawwa", country_id=mv.id, whatsapp="777 1234")
        cls.eman = cls._customer("Tour Reminder Eman")
        cls.sami = cls._customer("Tour Reminder Sami", country_id=mv.id, whatsapp="777 9876")
        # Queued too but left alone: the tour's search must filter it out.
        cls.lagoon = cls._customer("Lagoon Supplies")
        cls.invoices = {
            partner: cls._invoice_due(date.today(), partner=partner)
            for partner in (cls.hawwa, cls.eman, cls.sami, cls.lagoon)
        }
        # What the queue holds between the job's planning and its sending.
        cls.Reminder.sudo()._plan_company(cls.company, 100)

    def test_queue_open_whatsapp_send_now_skip(self):
        # Invoicing › Customers › Payment Reminders runs this server action.
        menu = self.env.ref("islebooks_payment_links.islebooks_payment_reminder_menu")
        self.assertEqual(menu.parent_id, self.env.ref("account.menu_finance_receivables"))
        self.start_tour(
            "/odoo/action-islebooks_payment_links.islebooks_payment_reminder_action_open_queue",
            "islebooks_payment_reminder_queue_tour",
            login="admin",
        )
        admin = self.env.ref("base.user_admin")
        states = {p: self._reminders(p) for p in (self.hawwa, self.eman, self.sami)}
        self.assertEqual(
            [(r.channel, r.state, r.sent_by_id) for r in states.values()],
            [("whatsapp", "sent", admin), ("email", "sent", admin), ("whatsapp", "skipped", admin)],
        )
        self.assertEqual(len(self._mails(self.eman)), 1)
        note = self.invoices[self.hawwa].message_ids.filtered(
            lambda m: "Payment reminder" in (m.body or "")
        )
        self.assertIn("by WhatsApp", note.body)
        self.assertIn(admin.name, note.body)
        self.assertFalse(
            self.invoices[self.sami].message_ids.filtered(
                lambda m: "Payment reminder" in (m.body or "")
            ),
            "a skipped reminder was not sent",
        )
        untouched = self._reminders(self.lagoon)
        self.assertEqual([(r.channel, r.state) for r in untouched], [("email", "to_send")])
        self.assertFalse(self._mails(self.lagoon))
