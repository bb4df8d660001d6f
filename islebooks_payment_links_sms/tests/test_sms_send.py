"""Send by SMS (#29): invoices, the Generate Payment Link dialog and payment
reminders, through Odoo's own SMS module and its test gateway (``SMSCase``:
``mockSMSGateway`` records what the provider would have been sent)."""

import contextlib
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from freezegun import freeze_time

from odoo import Command, models
from odoo.exceptions import AccessError, RedirectWarning, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import format_amount

from odoo.addons.islebooks_payment_links.tests.common import PaymentLinksCommon
from odoo.addons.islebooks_payment_links.tools.whatsapp import format_totals
from odoo.addons.sms.tests.common import SMSCase

NUMBER = "+9607771234"
OTHER_NUMBER = "+9609998877"
DUE = date(2026, 3, 10)
SMS_ADDON = "islebooks_payment_links_sms"
# Columns the ORM writes itself.
NOT_WRITTEN = set(models.MAGIC_COLUMNS) | {"display_name"}


class SmsCommon(PaymentLinksCommon, SMSCase):
    """Customers in the Maldives: one with a mobile number (and a WhatsApp one, to
    compare the texts), one without, one with a number that is none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        mv = cls.env.ref("base.mv").id
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create(
            {"name": "Aishath Ali", "country_id": mv, "mobile": "777 1234", "whatsapp": "777 1234"}
        )
        cls.other_customer = Partner.create(
            {"name": "Ibrahim Naseer", "country_id": mv, "phone": "+960 999 8877"}
        )
        cls.no_mobile = Partner.create({"name": "Hawwa Saeed", "country_id": mv})
        cls.bad_mobile = Partner.create({"name": "Moosa Didi", "country_id": mv, "mobile": "12"})
        cls.billing = new_test_user(
            cls.env,
            login="ib_sms_billing",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.other_company = cls.setup_other_company(name="SMS Other Co")["company"]
        cls.other_billing = new_test_user(
            cls.env,
            login="ib_sms_billing_other",
            groups="account.group_account_invoice",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )
        cls.employee = new_test_user(cls.env, login="ib_sms_employee", groups="base.group_user")
        # The customer's own portal user (a contact of the customer).
        cls.portal = new_test_user(
            cls.env,
            login="ib_sms_portal",
            groups="base.group_portal",
            partner_id=Partner.create({"name": "Portal", "parent_id": cls.customer.id}).id,
        )

    @classmethod
    def _invoice(cls, partner, amount=150.0):
        """An invoice of November, due at the end of the year."""
        return cls._create_invoice(
            partner=partner,
            amount=amount,
            invoice_date="2026-11-01",
            date_due="2026-12-31",
            name="Guesthouse stay",
        )

    def _wizard(self, action):
        self.assertEqual(action["res_model"], "islebooks.sms.send")
        self.assertEqual(action["target"], "new")
        return self.env["islebooks.sms.send"].browse(action["res_id"])

    def _line(self, wizard, customer):
        line = wizard.line_ids.filtered(lambda line: line.partner_id == customer)
        self.assertEqual(len(line), 1)
        return line


@tagged("post_install", "-at_install")
class TestSendBySms(SmsCommon):
    def test_one_invoice_one_sms_with_its_link_and_amount(self):
        invoice = self._invoice(self.customer, 1500.0)
        wizard = self._wizard(invoice.action_send_sms())
        line = wizard.line_ids
        link = invoice.payment_link_id
        self.assertTrue(link, "the action creates the invoice's payment link")
        self.assertEqual((line.number, line.error, line.contact_id), (NUMBER, False, self.customer))
        amount = format_amount(self.env, 1500.0, self.company.currency_id)
        self.assertEqual(
            line.message,
            f"Hello Aishath Ali, your invoice {invoice.name} from {self.company.name}: "
            f"{amount} to pay by 12/31/2026.\nView and pay it online: {link.url}",
        )
        with self.mockSMSGateway():
            result = wizard.action_send()
        self.assertEqual(result["params"]["type"], "success")
        # Odoo's SMS: posted on the customer, sent to its mobile number by the provider.
        self.assertSMSNotification(
            [{"partner": self.customer, "number": NUMBER, "state": "pending"}],
            line.message,
            messages=self.customer.message_ids[:1],
        )
        self.assertSMSIapSent([NUMBER], content=link.url)
        self.assertTrue(line.sent)
        note = invoice.message_ids[:1]
        self.assertIn("SMS sent to +960 777-1234 by", note.body)
        self.assertEqual(note.partner_ids, self.customer)
        with self.assertRaises(UserError):
            wizard.action_send()  # sent once

    def test_several_customers_one_sms_each_and_the_skipped_ones_say_why(self):
        first, second = self._invoice(self.customer, 100.0), self._invoice(self.customer, 250.0)
        other = self._invoice(self.other_customer, 80.0)
        unreachable = self._invoice(self.no_mobile) | self._invoice(self.bad_mobile)
        paid = self._invoice(self.customer.copy({"name": "Paid Up Ltd"}))
        self._pay_in_full(paid)
        moves = first | second | other | unreachable | paid
        wizard = self._wizard(moves.action_send_sms())
        self.assertEqual(len(wizard.line_ids), 5, "one line per customer")
        line = self._line(wizard, self.customer)
        self.assertEqual(line.move_ids, first | second)
        for invoice in first | second:
            self.assertIn(f"{invoice.name}: ", line.message)
            self.assertIn(invoice.payment_link_id.url, line.message)
        # The total is what Send via WhatsApp says for the same invoices: one decision.
        total = format_totals(self.env, (first | second)._get_amount_due_totals(), "en_US")
        self.assertIn(f"Total due: {total}", line.message)
        whatsapp = (first | second).action_send_whatsapp()
        self.assertIn(f"Total due: *{total}*", parse_qs(urlsplit(whatsapp["url"]).query)["text"][0])
        self.assertEqual(self._line(wizard, self.other_customer).number, OTHER_NUMBER)
        errors = {
            customer.name: self._line(wizard, customer).error
            for customer in (self.no_mobile, self.bad_mobile, paid.partner_id)
        }
        self.assertEqual(
            errors["Hawwa Saeed"], "Hawwa Saeed has no mobile number. Add one on the contact."
        )
        self.assertIn('The mobile number "12" of Moosa Didi is not a valid', errors["Moosa Didi"])
        self.assertIn(f"Nothing to pay: {paid.name}", errors["Paid Up Ltd"])
        self.assertEqual(wizard.error_count, 3)
        fix = self._line(wizard, self.no_mobile).action_open_contact()
        self.assertEqual((fix["res_model"], fix["res_id"]), ("res.partner", self.no_mobile.id))
        with self.mockSMSGateway():
            wizard.action_send()
        self.assertSMSIapSent([NUMBER, OTHER_NUMBER])
        self.assertEqual(len(self._sms), 2, "nothing sent to the skipped customers")
        self.assertIn(
            f"SMS about {first.name}, {second.name} sent to +960 777-1234",
            first.message_ids[0].body,
        )
        self.assertFalse(
            unreachable.message_ids.filtered(lambda message: "SMS" in (message.body or ""))
        )

    def test_provider_errors_are_odoos(self):
        """No credits: Odoo's SMS module records the failure on the message, as for any SMS."""
        wizard = self._wizard(self._invoice(self.customer).action_send_sms())
        with self.mockSMSGateway(sim_error="credit"):
            wizard.action_send()
        self.assertSMSFailed(self.customer, NUMBER, "sms_credit")
        self.assertTrue(self.customer.message_ids[:1].has_sms_error)

    def test_drafts_and_bills_are_refused_with_their_names(self):
        draft = self._create_invoice(partner=self.customer, post=False)
        bill = self._create_invoice(partner=self.customer, move_type="in_invoice")
        with self.assertRaises(UserError) as caught:
            (draft | bill | self._invoice(self.customer)).action_send_sms()
        self.assertIn(f"{draft.display_name} is not posted", str(caught.exception))
        self.assertIn(f"{bill.display_name} is not a customer invoice", str(caught.exception))
        with self.assertRaises(UserError):
            self.env["account.move"].action_send_sms()

    def test_list_context_menu_offers_send_by_sms(self):
        action = self.env.ref("islebooks_payment_links_sms.account_move_action_send_sms")
        bindings = self.env["ir.actions.actions"].get_bindings("account.move")["action"]
        flagged = {row["id"] for row in bindings if row.get("islebooks_context_menu")}
        self.assertIn(action.id, flagged)
        self.assertIn(
            self.env.ref("islebooks_payment_links.account_move_action_send_whatsapp").id, flagged
        )
        # The user without invoicing rights gets neither the action nor the flag.
        bindings = (
            self.env["ir.actions.actions"].with_user(self.employee).get_bindings("account.move")
        )
        self.assertNotIn(action.id, {row["id"] for row in bindings.get("action", [])})

    # Generate Payment Link › SMS
    def test_generate_payment_link_sms_has_the_portal_link_and_balance(self):
        self._invoice(self.customer, 100.0)
        self._invoice(self.customer, 200.0)
        link = self.customer._get_portal_payment_links()
        wizard = self._wizard(link.action_send_sms())
        line = wizard.line_ids
        owed = self.customer._get_amount_owed(self.company)
        total = format_amount(self.env, owed[0]["amount"], self.company.currency_id)
        self.assertEqual(total, format_amount(self.env, 300.0, self.company.currency_id))
        self.assertEqual(
            line.message,
            f"Hello Aishath Ali, your account with {self.company.name} shows {total} to pay. "
            f"See, download and pay your invoices online: {link.url}",
        )
        # The figure Send via WhatsApp quotes from the same dialog.
        whatsapp = link.action_send_whatsapp()
        self.assertIn(f"*{total}*", parse_qs(urlsplit(whatsapp["url"]).query)["text"][0])
        with self.mockSMSGateway():
            wizard.action_send()
        self.assertSMSIapSent([NUMBER], content=link.url)
        self.assertEqual(self.customer.message_ids[:1].message_type, "sms")

    def test_no_mobile_opens_the_contact(self):
        link = self.no_mobile._get_portal_payment_links()
        with self.assertRaises(RedirectWarning) as caught:
            link.action_send_sms()
        self.assertIn("Hawwa Saeed has no mobile number", str(caught.exception))
        link.action_revoke()
        with self.assertRaises(UserError):
            link.action_send_sms()

    # Payment reminders

    def _run_reminders(self):
        self.company.write({"payment_reminder_enabled": True, "payment_reminder_steps": "0, 7"})
        with freeze_time(DUE):
            self.env["islebooks.payment.reminder"]._cron_send_payment_reminders()
            self.env.flush_all()

    def _reminder(self, partner):
        return self.env["islebooks.payment.reminder"].search([("partner_id", "=", partner.id)])

    def _invoice_due(self, partner, amount):
        return self._create_invoices(
            1, partner=partner, amount=amount, invoice_date=DUE, date_due=DUE
        )

    def test_sms_is_off_by_default(self):
        self.assertFalse(self.env["res.company"].create({"name": "New Co"}).payment_reminder_sms)
        self._invoice_due(self.other_customer, 80.0)
        with self.mockSMSGateway():
            self._run_reminders()
        reminder = self._reminder(self.other_customer)
        self.assertEqual((reminder.state, reminder.channel), ("skipped", "email"))
        self.assertIn("no email address nor WhatsApp number", reminder.error)
        self.assertFalse(self._new_sms)

    def test_reminder_by_sms_with_the_emails_amounts(self):
        self.company.payment_reminder_sms = True
        # Prefers SMS over its email address; the other one has only a phone number.
        self.customer.write({"payment_reminder_channel": "sms", "email": "aishath@example.com"})
        invoices = self._invoice_due(self.customer, 120.0) | self._invoice_due(self.customer, 30.0)
        self._invoice_due(self.other_customer, 80.0)
        with self.mockSMSGateway():
            self._run_reminders()
        reminder = self._reminder(self.customer)
        self.assertEqual((reminder.channel, reminder.state), ("sms", "sent"))
        # Queued in Odoo's SMS queue, sent by its job once committed.
        sms = self._find_sms_sms(self.customer, NUMBER, "outgoing")
        for invoice in invoices:
            self.assertIn(invoice.name, sms.body)
        # The reminder email's figure (_compute_due_summary), the same words.
        total = reminder.due_summary[0]["total"]
        self.assertEqual(total, format_amount(self.env, 150.0, self.company.currency_id))
        self.assertIn(f"Total due: {total}", sms.body)
        self.assertIn(reminder.link_id.url, sms.body)
        self.assertIn("sent by SMS to Aishath Ali", invoices[0].message_ids[0].body)
        automatic = self._reminder(self.other_customer)
        self.assertEqual((automatic.channel, automatic.state), ("sms", "sent"))
        self.assertSMSOutgoing(self.other_customer, OTHER_NUMBER)

    def test_uninstalling_sms_keeps_its_reminders_and_their_steps(self):
        """Uninstalling this addon runs the channel's ondelete policy on the SMS
        reminders, as ``ir.model.fields.selection._process_ondelete`` does: the
        sent one keeps its history and its steps, a queued one goes by email (or
        is skipped without an email address), and the job reminds no step twice."""
        self.company.write(
            {
                "payment_reminder_enabled": True,
                "payment_reminder_steps": "0, 30",
                "payment_reminder_sms": True,
            }
        )
        self.customer.write({"payment_reminder_channel": "sms", "email": "aishath@example.com"})
        no_email = self.env["res.partner"].create(
            {"name": "Fathimath Zahir", "country_id": self.env.ref("base.mv").id, "mobile": NUMBER}
        )
        for partner in (self.customer, self.other_customer, no_email):
            self._invoice_due(partner, 50.0)
        Reminder = self.env["islebooks.payment.reminder"]
        with freeze_time(DUE):
            Reminder.sudo()._plan_company(self.company, 100)
            sent = self._reminder(self.other_customer)
            with self.mockSMSGateway():
                sent.with_user(self.billing).action_send_now()
        queued, unreachable = self._reminder(self.customer), self._reminder(no_email)
        reminders = sent | queued | unreachable
        self.assertEqual(reminders.mapped("channel"), ["sms"] * 3)
        self.assertEqual(reminders.mapped("state"), ["sent", "to_send", "to_send"])
        lines = reminders.line_ids
        self.assertEqual(len(lines), 3)

        field = self.env["ir.model.fields"]._get(Reminder._name, "channel")
        selection = field.selection_ids.filtered(lambda s: s.value == "sms")
        Reminder._fields["channel"].ondelete["sms"](selection._get_records())

        self.assertEqual(reminders.exists(), reminders)
        self.assertEqual(reminders.line_ids, lines)
        self.assertEqual((sent.channel, sent.state), ("uninstalled", "sent"))
        self.assertEqual((queued.channel, queued.state), ("email", "to_send"))
        self.assertEqual(queued.contact_id, self.customer)
        self.assertEqual((unreachable.channel, unreachable.state), ("email", "skipped"))
        self.assertEqual(
            unreachable.error, "SMS was uninstalled and Fathimath Zahir has no email address."
        )
        # Shown with its label; never offered for a new reminder nor as a preference.
        channels = dict(Reminder.fields_get(["channel"])["channel"]["selection"])
        self.assertEqual(channels["uninstalled"], "Uninstalled channel")
        self.assertNotIn("uninstalled", Reminder._get_job_channels())
        preference = self.env["res.partner"].fields_get(["payment_reminder_channel"])
        self.assertNotIn("uninstalled", dict(preference["payment_reminder_channel"]["selection"]))

        # Ten days later (past the days between reminders, before the next step):
        # the queued one goes by email, the step reminded by SMS is not planned again.
        with freeze_time(DUE + timedelta(days=10)):
            Reminder._cron_send_payment_reminders()
            self.env.flush_all()
        self.assertEqual(self._reminder(self.other_customer), sent)
        self.assertEqual(self._reminder(no_email), unreachable)
        self.assertEqual(queued.state, "sent")
        mail = self.env["mail.mail"].search(
            [("model", "=", Reminder._name), ("res_id", "=", queued.id)]
        )
        self.assertEqual(mail.recipient_ids, self.customer)

    # Access
    def test_users_without_invoicing_rights_cannot_send(self):
        invoice = self._invoice(self.customer)
        link = self.customer._get_portal_payment_links()
        wizard = self._wizard(invoice.action_send_sms())
        for user in (self.portal, self.employee):
            env = self.env(user=user, su=False)
            calls = {
                "invoice": env["account.move"].browse(invoice.id).action_send_sms,
                "portal link": env["islebooks.payment.link"].browse(link.id).action_send_sms,
                "dialog": env["islebooks.sms.send"].browse(wizard.id).action_send,
            }
            for name, call in calls.items():
                with self.subTest(user=user.login, call=name), self.assertRaises(AccessError):
                    call()
        with self.assertRaises(AccessError):
            self.env(user=self.employee, su=False)["islebooks.sms.send.line"].create(
                {"wizard_id": wizard.id, "company_id": self.company.id}
            )
        with self.mockSMSGateway():
            wizard.action_send()
        self.assertEqual(len(self._sms), 1)

    def test_billing_cannot_send_another_companys_invoice_nor_forge_a_line(self):
        foreign = self._create_invoice(partner=self.customer, company=self.other_company)
        billing = self.env(user=self.billing, su=False)
        with self.assertRaises(AccessError):
            billing["account.move"].browse(foreign.id).action_send_sms()
        wizard = self._wizard(
            billing["account.move"].browse(self._invoice(self.customer).id).action_send_sms()
        )
        line = billing["islebooks.sms.send.line"].browse(wizard.line_ids.id)
        for vals in ({"message": "Pay to IBAN XX00 0000"}, {"number": "+9607770000"}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                line.write(vals)
        with self.mockSMSGateway():
            billing["islebooks.sms.send"].browse(wizard.id).action_send()
        self.assertSMSIapSent([NUMBER])

    def test_role_matrix_of_the_sms_dialog(self):
        """Every field of the dialog and its lines (they carry the links), read and
        written over RPC by each role: only Billing of the dialog's company reads
        them, nobody writes them (Send by SMS does)."""
        invoice = self._invoice(self.customer)
        billing = self.env(user=self.billing, su=False)
        wizard = self._wizard(billing["account.move"].browse(invoice.id).action_send_sms())
        records = {"islebooks.sms.send": wizard, "islebooks.sms.send.line": wizard.line_ids}
        roles = {
            "billing": self.billing,
            "billing of another company": self.other_billing,
            "employee": self.employee,
            "portal": self.portal,
        }
        values = {"char": "+9607770000", "text": "Pay to IBAN XX00", "boolean": True}
        granted = set()
        for role, user in roles.items():
            env = self.env(user=user, su=False)
            for model, record in records.items():
                for fname, field in env[model]._fields.items():
                    if SMS_ADDON not in (field._modules or ()) or fname in NOT_WRITTEN:
                        continue
                    Model = env[model]
                    with contextlib.suppress(AccessError):
                        if Model.search_read([("id", "=", record.id)], [fname]):
                            granted.add(("read", role, model, fname))
                    value = values.get(field.type, False)
                    with contextlib.closing(self.env.cr.savepoint()):
                        try:
                            Model.browse(record.id).write({fname: value})
                            env.flush_all()
                            granted.add(("write", role, model, fname))
                        except (AccessError, UserError, ValidationError) as error:
                            self.assertTrue(str(error))  # refused, with a reason
                    self.env.invalidate_all()
        expected = {
            ("read", "billing", model, fname)
            for model in records
            for fname, field in self.env[model]._fields.items()
            if SMS_ADDON in (field._modules or ()) and fname not in NOT_WRITTEN
        }
        self.assertTrue(expected)
        self.assertEqual(granted, expected)

    def test_texts_are_odoo_sms_templates_in_the_customers_language(self):
        action = self.env["res.config.settings"].create({}).action_open_payment_link_sms_templates()
        templates = self.env["sms.template"].search(action["domain"])
        self.assertEqual(len(templates), 4)
        self.assertEqual(
            set(templates.mapped("model")),
            {
                "account.move",
                "res.partner",
                "islebooks.payment.reminder",
            },
        )
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["islebooks_payment_links_sms"], ["fr_FR"], overwrite=True
        )
        self.customer.lang = "fr_FR"
        invoice = self._invoice(self.customer, 1500.0)
        message = self._wizard(invoice.action_send_sms()).line_ids.message
        self.assertTrue(message.startswith(f"Bonjour Aishath Ali, votre facture {invoice.name} "))
        self.assertIn(f"Consultez-la et payez-la en ligne : {invoice.payment_link_id.url}", message)

    def test_sms_reminder_sent_now_from_the_queue_or_skipped_without_a_number(self):
        self.company.write(
            {
                "payment_reminder_enabled": True,
                "payment_reminder_steps": "0",
                "payment_reminder_sms": True,
            }
        )
        self._invoice_due(self.other_customer, 80.0)
        self._invoice_due(self.no_mobile, 40.0)
        Reminder = self.env["islebooks.payment.reminder"]
        with freeze_time(DUE):
            Reminder.sudo()._plan_company(self.company, 100)  # planned, not sent yet
            skipped = self._reminder(self.no_mobile)
            self.assertEqual(skipped.state, "skipped")
            self.assertEqual(
                skipped.error,
                "Hawwa Saeed has no email address, WhatsApp number nor mobile number.",
            )
            reminder = self._reminder(self.other_customer)
            self.assertEqual((reminder.channel, reminder.state), ("sms", "to_send"))
            self.other_customer.phone = "12"  # since planned: noted, tried again later
            with self.assertRaises(UserError) as caught, self.mockSMSGateway():
                reminder.with_user(self.billing).action_send_now()
            self.assertIn("is not a valid phone number", str(caught.exception))
            self.other_customer.phone = "+960 999 8877"
            with self.mockSMSGateway():
                reminder.with_user(self.billing).action_send_now()
        self.assertEqual(reminder.state, "sent")
        self.assertSMSOutgoing(self.other_customer, OTHER_NUMBER, content=reminder.link_id.url)
