from urllib.parse import parse_qs, urlsplit

from odoo.exceptions import AccessError, RedirectWarning, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import format_amount

from ..tools.whatsapp import whatsapp_url
from .common import PaymentLinksCommon

ROUND_TRIP_TEXTS = [
    "Hello 🙂👍🏽 — thanks!",
    "Tom & Jerry #1? 100% sure & paid 50%.",
    "a=b&text=c#frag?x=%20%25+plus",
    "line one\nline two\n\nafter a blank line\r\nwindows line",
    "مرحبا، فاتورتك جاهزة للدفع",
    "ހެލޯ، ތިޔަ ބިލް ދައްކަވާ",
    "Mixed: INV/2026/0001 ރ. 1,500.00 مبلغ 🙏",
]


def decode(url):
    """(host, phone digits, text) read back from a WhatsApp URL."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    if parts.netloc == "wa.me":
        return parts.netloc, parts.path.lstrip("/"), query["text"][0]
    return parts.netloc, query["phone"][0], query["text"][0]


class WhatsappCase(PaymentLinksCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mv = cls.env.ref("base.mv")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Aishath Ali", "country_id": cls.mv.id, "whatsapp": "777 1234"}
        )
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Ibrahim Naseer", "country_id": cls.mv.id, "whatsapp": "+960 999 8877"}
        )

    @classmethod
    def _invoice(cls, partner, amount=150.0, post=True, **values):
        """A guesthouse invoice of November, due at the end of the year."""
        return cls._create_invoice(
            partner=partner,
            amount=amount,
            post=post,
            invoice_date="2026-11-01",
            date_due="2026-12-31",
            name="Guesthouse stay",
            **values,
        )

    def _format_amount(self, amount, currency=None):
        return format_amount(self.env, amount, currency or self.env.company.currency_id)

    def _last_line(self):
        return self.env["islebooks.whatsapp.send.line"].search([], order="id desc", limit=1)


@tagged("post_install", "-at_install")
class TestWhatsappUrl(WhatsappCase):
    def test_url_round_trip(self):
        for text in ROUND_TRIP_TEXTS:
            for web in (False, True):
                with self.subTest(text=text, web=web):
                    url = whatsapp_url("+9607771234", text, web=web)
                    self.assertNotIn(" ", url)
                    self.assertNotIn("\n", url)
                    host, digits, decoded = decode(url)
                    self.assertEqual(host, "web.whatsapp.com" if web else "wa.me")
                    self.assertEqual(digits, "9607771234")
                    self.assertEqual(decoded, text)

    def test_rendered_message_round_trip(self):
        """Names and an edited template with special characters come back intact."""
        template = self.env.ref("islebooks_payment_links.whatsapp_template_invoice")
        template.body = (
            "🙂 {{ object.partner_id.name }} & co # ? 100%\n\n"
            "مرحبا ހެލޯ\n{{ object.payment_link_url }}"
        )
        self.customer.name = "Ahmed & Sons #1? 50% ހަސަން حسن"
        invoice = self._invoice(self.customer)
        action = invoice.action_send_whatsapp()
        host, digits, text = decode(action["url"])
        self.assertEqual((host, digits), ("wa.me", "9607771234"))
        self.assertEqual(
            text,
            "🙂 Ahmed & Sons #1? 50% ހަސަން حسن & co # ? 100%\n\n"
            f"مرحبا ހެލޯ\n{invoice.payment_link_id.url}",
        )
        self.assertEqual(text, self._last_line().message)


@tagged("post_install", "-at_install")
class TestWhatsappSend(WhatsappCase):
    def test_one_invoice_opens_wa_me_with_the_message(self):
        invoice = self._invoice(self.customer, 1500.0)
        action = invoice.action_send_whatsapp()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["target"], "new")
        host, digits, text = decode(action["url"])
        self.assertEqual((host, digits), ("wa.me", "9607771234"))
        link = invoice.payment_link_id
        self.assertTrue(link, "the action creates the invoice's payment link")
        self.assertEqual(
            text,
            "Hello Aishath Ali,\n\n"
            f"Here is your invoice *{invoice.name}* from {invoice.company_id.name}.\n"
            f"Amount due: *{self._format_amount(1500.0)}*\n"
            "Due date: 12/31/2026\n\n"
            f"View, download and pay it online:\n{link.url}\n\n"
            "Thank you!",
        )
        # Sending again reuses the same link.
        invoice.action_send_whatsapp()
        self.assertEqual(invoice.payment_link_ids, link)

    def test_web_whatsapp_setting(self):
        self.env.company.whatsapp_link_mode = "web"
        invoice = self._invoice(self.customer)
        url = invoice.action_send_whatsapp()["url"]
        self.assertTrue(url.startswith("https://web.whatsapp.com/send?phone=9607771234&text="))
        self.assertIn(invoice.payment_link_id.url, decode(url)[2])

    def test_message_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        template = self.env.ref("islebooks_payment_links.whatsapp_template_invoice")
        template.update_field_translations(
            "body",
            {
                "fr_FR": "Bonjour {{ object.partner_id.name }},\n\n"
                "Votre facture {{ object.name }} est payable avant le "
                "{{ format_date(object.invoice_date_due) }} :\n"
                "{{ object.payment_link_url }}\n\nMerci !"
            },
        )
        self.customer.lang = "fr_FR"
        text = decode(self._invoice(self.customer).action_send_whatsapp()["url"])[2]
        self.assertTrue(text.startswith("Bonjour Aishath Ali,"), text)
        self.assertTrue(text.endswith("Merci !"), text)
        self.assertIn("31/12/2026", text)
        self.other_customer.lang = "en_US"
        text = decode(self._invoice(self.other_customer).action_send_whatsapp()["url"])[2]
        self.assertTrue(text.endswith("Thank you!"), text)

    def test_contact_without_number_falls_back_to_its_company(self):
        company = self.env["res.partner"].create(
            {
                "name": "Island Traders",
                "is_company": True,
                "country_id": self.mv.id,
                "whatsapp": "7001122",
            }
        )
        buyer = self.env["res.partner"].create({"name": "Fathimath", "parent_id": company.id})
        url = self._invoice(buyer).action_send_whatsapp()["url"]
        self.assertEqual(decode(url)[1], "9607001122")
        self.assertTrue(decode(url)[2].startswith("Hello Fathimath,"))
        buyer.whatsapp = "7003344"
        url = self._invoice(buyer).action_send_whatsapp()["url"]
        self.assertEqual(decode(url)[1], "9607003344")

    def test_several_invoices_of_one_customer_make_one_message(self):
        invoices = self._invoice(self.customer, 100.0) | self._invoice(self.customer, 250.5)
        action = invoices.action_send_whatsapp()
        self.assertEqual(action["type"], "ir.actions.act_url")
        text = decode(action["url"])[2]
        for invoice in invoices:
            self.assertIn(f"*{invoice.name}*: {self._format_amount(invoice.amount_residual)}", text)
            self.assertIn(invoice.payment_link_id.url, text)
        self.assertIn(f"Total due: *{self._format_amount(350.5)}*", text)
        self.assertNotIn("pay them together", text)
        # With a shared customer portal, its link is offered too.
        portal = self.env["islebooks.payment.link"]._get_or_create("portal", self.customer)
        text = decode(invoices.action_send_whatsapp()["url"])[2]
        self.assertIn(f"See all your invoices and pay them together:\n{portal.url}", text)

    def test_total_due_per_currency(self):
        eur = self.setup_other_currency("EUR")
        invoices = self._invoice(self.customer, 100.0) | self._invoice(
            self.customer, 40.0, currency_id=eur.id
        )
        text = decode(invoices.action_send_whatsapp()["url"])[2]
        self.assertIn(
            f"Total due: *{self._format_amount(100.0)} + {self._format_amount(40.0, eur)}*", text
        )

    def test_several_customers_open_a_wizard(self):
        no_number = self.env["res.partner"].create({"name": "Mohamed Rasheed"})
        legacy = self.env["res.partner"].create({"name": "Old Contact", "country_id": self.mv.id})
        # A number stored before validation existed (e.g. imported with SQL).
        self.env.cr.execute("UPDATE res_partner SET whatsapp = '12' WHERE id = %s", [legacy.id])
        legacy.invalidate_recordset(["whatsapp"])
        invoices = (
            self._invoice(self.customer)
            | self._invoice(self.customer)
            | self._invoice(self.other_customer)
            | self._invoice(no_number)
            | self._invoice(legacy)
        )
        action = invoices.action_send_whatsapp()
        self.assertEqual(action["res_model"], "islebooks.whatsapp.send")
        self.assertEqual(action["target"], "new")
        wizard = self.env["islebooks.whatsapp.send"].browse(action["res_id"])
        self.assertEqual(len(wizard.line_ids), 4)
        self.assertEqual(wizard.error_count, 2)
        lines = {line.partner_id: line for line in wizard.line_ids}
        self.assertEqual(lines[self.customer].move_ids, invoices[:2])
        self.assertEqual(lines[self.customer].number, "+9607771234")
        self.assertIn("Mohamed Rasheed has no WhatsApp number", lines[no_number].error)
        self.assertIn('"12" of Old Contact has too few digits', lines[legacy].error)
        self.assertFalse(lines[no_number].url)

        before = {inv: len(inv.message_ids) for inv in invoices}
        opened = lines[self.other_customer].action_open_whatsapp()
        self.assertEqual(decode(opened["url"])[1], "9609998877")
        self.assertIn(invoices[2].payment_link_id.url, decode(opened["url"])[2])
        self.assertTrue(lines[self.other_customer].opened)
        self.assertEqual(len(invoices[2].message_ids), before[invoices[2]] + 1)
        self.assertEqual(len(invoices[0].message_ids), before[invoices[0]])

        with self.assertRaises(RedirectWarning) as caught:
            lines[no_number].action_open_whatsapp()
        self.assertEqual(caught.exception.args[1]["res_id"], no_number.id)
        self.assertEqual(lines[legacy].action_open_contact()["res_id"], legacy.id)

    def test_chatter_logs_who_when_and_which_number(self):
        invoices = self._invoice(self.customer) | self._invoice(self.customer)
        user = new_test_user(
            self.env,
            "clerk",
            groups="account.group_account_invoice",
            company_id=self.env.company.id,
            name="Clerk Mariyam",
        )
        invoices.with_user(user).action_send_whatsapp()
        for invoice in invoices:
            message = invoice.message_ids[0]
            self.assertEqual(message.author_id, user.partner_id)
            self.assertTrue(message.date)
            self.assertIn("+960 777-1234", message.body)
            self.assertIn("Clerk Mariyam", message.body)
            self.assertIn(invoices[0].name, message.body)
            self.assertIn(invoices[1].name, message.body)

    def test_errors_name_the_contact_and_the_fix(self):
        no_number = self.env["res.partner"].create({"name": "Mohamed Rasheed"})
        with self.assertRaises(RedirectWarning) as caught:
            self._invoice(no_number).action_send_whatsapp()
        message, action, button = caught.exception.args[:3]
        self.assertIn("Mohamed Rasheed has no WhatsApp number", message)
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", no_number.id))
        self.assertEqual(button, "Open contact")

        draft = self._invoice(self.customer, post=False)
        with self.assertRaisesRegex(UserError, "is not posted: confirm it first"):
            draft.action_send_whatsapp()

        paid = self._invoice(self.customer)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({})._create_payments()
        with self.assertRaisesRegex(UserError, "already paid"):
            paid.action_send_whatsapp()
        # One bad invoice in a selection stops it all, before any link is made.
        with self.assertRaisesRegex(UserError, "already paid"):
            (self._invoice(self.customer) | paid).action_send_whatsapp()

        refund = self._invoice(self.customer, move_type="out_refund")
        with self.assertRaisesRegex(UserError, "not a customer invoice"):
            refund.action_send_whatsapp()
        self.assertFalse((draft | paid | refund).payment_link_ids)

    def test_user_without_invoicing_rights_cannot_send(self):
        invoice = self._invoice(self.customer)
        auditor = new_test_user(
            self.env,
            "auditor",
            groups="base.group_user,account.group_account_readonly",
            company_id=self.env.company.id,
        )
        action = self.env.ref("islebooks_payment_links.account_move_action_send_whatsapp")
        with self.assertRaises(AccessError):
            invoice.with_user(auditor).action_send_whatsapp()
        with self.assertRaises(AccessError):
            action.with_user(auditor).with_context(
                active_model="account.move", active_id=invoice.id, active_ids=invoice.ids
            ).run()
        self.assertFalse(invoice.payment_link_ids)
        # The action is not even offered to them.
        self.assertNotIn(
            action.id,
            [
                a["id"]
                for a in self.env["ir.actions.actions"]
                .with_user(auditor)
                .get_bindings("account.move")
                .get("action", [])
            ],
        )
        # An invoicing user runs it from the Actions menu.
        clerk = new_test_user(
            self.env,
            "clerk2",
            groups="account.group_account_invoice",
            company_id=self.env.company.id,
        )
        result = (
            action.with_user(clerk)
            .with_context(active_model="account.move", active_id=invoice.id, active_ids=invoice.ids)
            .run()
        )
        self.assertEqual(result["type"], "ir.actions.act_url")

    def test_queries_do_not_grow_with_invoices(self):
        def count(n):
            invoices = self.env["account.move"]
            for _i in range(n):
                invoices |= self._invoice(self.customer)
            invoices.invalidate_recordset()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            invoices.action_send_whatsapp()
            return self.cr.sql_log_count - before

        count(2)  # warm caches
        self.assertEqual(count(5), count(20))

    def test_settings_open_the_editable_templates(self):
        settings = self.env["res.config.settings"].create({"whatsapp_link_mode": "web"})
        settings.execute()
        self.assertEqual(self.env.company.whatsapp_link_mode, "web")
        action = settings.action_open_whatsapp_templates()
        templates = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(
            templates,
            self.env.ref("islebooks_payment_links.whatsapp_template_invoice")
            | self.env.ref("islebooks_payment_links.whatsapp_template_invoices"),
        )
        reminders = settings.action_open_payment_reminder_whatsapp_templates()
        self.assertEqual(
            self.env[reminders["res_model"]].search(reminders["domain"]),
            self.env.ref("islebooks_payment_links.whatsapp_template_payment_reminder")
            | self.env.ref("islebooks_payment_links.whatsapp_template_payment_reminders"),
        )
        # Each documents its placeholders for whoever edits it.
        for template in templates:
            self.assertIn("Placeholders:", template.description)
            self.assertIn("payment_link_url", template.description)

    def test_managers_edit_the_texts_billing_users_send_them(self):
        template = self.env.ref("islebooks_payment_links.whatsapp_template_invoice")
        billing = new_test_user(
            self.env, login="wa_tpl_billing", groups="account.group_account_invoice"
        )
        # Placeholders are code: Odoo's template editors only, as for mail templates.
        manager = new_test_user(
            self.env,
            login="wa_tpl_manager",
            groups="account.group_account_manager,mail.group_mail_template_editor",
        )
        with self.assertRaises(AccessError):
            template.with_user(billing).body = "Pay {{ object.payment_link_url }}"
        template.with_user(manager).body = "Pay now: {{ object.payment_link_url }}"
        invoice = self._invoice(self.customer).with_user(billing)
        text = decode(invoice.action_send_whatsapp()["url"])[2]
        self.assertEqual(text, f"Pay now: {invoice.payment_link_id.url}")
