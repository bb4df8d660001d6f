import base64
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from lxml import html

from odoo import Command, fields
from odoo.exceptions import AccessError, RedirectWarning, UserError
from odoo.tests import tagged
from odoo.tools import format_amount

from .common import PaymentLinksCommon, PaymentLinksHttpCommon, age_last_view


@tagged("post_install", "-at_install")
class TestPortalWizard(PaymentLinksCommon):
    """Generate Payment Link on contacts, and what staff see on the contact."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_partner = cls.env["res.partner"].create(
            {"name": "Reef Divers Ltd", "is_company": True}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Kim Reef", "parent_id": cls.company_partner.id}
        )
        cls.action = cls.env.ref("islebooks_payment_links.res_partner_action_generate_payment_link")

    def _run(self, partners):
        action = self.action.with_context(
            active_model="res.partner", active_ids=partners.ids, active_id=partners[:1].id
        ).run()
        self.assertEqual(action["res_model"], "islebooks.payment.link.wizard")
        self.assertEqual(action["target"], "new")
        return self.env["islebooks.payment.link.wizard"].browse(action["res_id"])

    def test_dialog_query_count_does_not_grow_with_customers(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Guest House {i}", "is_company": True} for i in range(314)]
        )

        def measure(batch):
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            action = batch.action_generate_payment_link()
            self.env.flush_all()
            count = self.env.cr.sql_log_count - start
            wizard = self.env["islebooks.payment.link.wizard"].browse(action["res_id"])
            self.assertEqual(wizard.link_ids.partner_id, batch)
            self.assertEqual(len(wizard.link_ids), len(batch))
            self.assertTrue(all(link.state == "active" for link in wizard.link_ids))
            return count

        # Warm the registry caches (access rules, groups) so they are not counted.
        measure(partners[:2])
        measure(partners[2:4])
        counts = {"10": measure(partners[4:14]), "300": measure(partners[14:])}
        self.assertEqual(counts["10"], counts["300"], counts)

    def test_action_is_bound_to_contacts(self):
        self.assertEqual(self.action.binding_model_id.model, "res.partner")
        self.assertEqual(self.action.binding_view_types, "list,kanban,form")

    def _glue_action_names(self, model):
        """The names of the actions the addon's glue addons bind to ``model``."""
        modules = set(self.env["ir.actions.actions"]._get_payment_link_context_modules())
        data = self.env["ir.model.data"].search(
            [
                ("module", "in", list(modules - {"islebooks_payment_links"})),
                ("model", "=", "ir.actions.server"),
            ]
        )
        actions = self.env["ir.actions.server"].browse(data.mapped("res_id"))
        return set(
            actions.filtered(lambda action: action.binding_model_id.model == model).mapped("name")
        )

    def test_the_guides_words(self):
        """The product's guide: "Go to People > Customers. Right-click the customer or
        click Actions. Select Generate Payment Link." Its words are in the Actions menu
        and in the right-click / long-press menu (the same bindings) of every view of
        contacts, and invoices keep Copy Invoice URL and Send via WhatsApp."""
        for model, names in {
            "res.partner": ["Generate Payment Link"],
            "account.move": ["Copy Invoice URL", "Send via WhatsApp"],
        }.items():
            for view_type in ("list", "kanban", "form"):
                views = self.env[model].get_views([(False, view_type)], {"toolbar": True})
                actions = views["views"][view_type]["toolbar"].get("action", [])
                offered = [action["name"] for action in actions]
                menu = [
                    action["name"] for action in actions if action.get("islebooks_context_menu")
                ]
                glue = self._glue_action_names(model)  # Send by SMS, where installed
                with self.subTest(model=model, view_type=view_type):
                    self.assertEqual(sorted(set(menu) - glue), names)
                    self.assertFalse(set(names) - set(offered))
        # The dialog it opens says what the link is: the customer's own portal.
        action = self.contact.action_generate_payment_link()
        self.assertEqual(action["name"], "Generate Payment Link")
        arch = self.env[action["res_model"]].get_view(view_type="form")["arch"]
        self.assertIn(
            "The customer's own portal link: all their invoices, to view, download and pay, "
            "without an account.",
            " ".join(arch.split()),
        )

    def test_one_link_per_commercial_partner_no_user(self):
        users = self.env["res.users"].with_context(active_test=False).search_count([])
        wizard = self._run(self.contact | self.company_partner | self.partner_b)
        # The contact's link is its company's: two customers, two links.
        self.assertEqual(wizard.link_ids.partner_id, self.company_partner | self.partner_b)
        links = wizard.link_ids
        self.assertEqual(links.mapped("scope"), ["portal", "portal"])
        self.assertEqual(links.company_id, self.company)
        for link in wizard.link_ids:
            self.assertIn(f"/pay/{link.token}", link.url)
            png = base64.b64decode(link.qr_code)
            self.assertTrue(png.startswith(b"\x89PNG"))
            self.assertTrue(link.qr_filename.endswith(".png"))
            action = link.action_download_qr_code()
            self.assertIn(f"/islebooks.payment.link/{link.id}/qr_code/", action["url"])
        # Generating again hands out the same links; no Odoo user is ever created.
        again = self._run(self.company_partner | self.partner_b)
        self.assertEqual(again.link_ids, links)
        self.assertEqual(
            self.env["res.users"].with_context(active_test=False).search_count([]), users
        )

    def test_expiry_revoke_regenerate(self):
        wizard = self._run(self.company_partner)
        link = wizard.link_ids
        expiry = fields.Datetime.now() + timedelta(days=7)
        # The dialog's list edits the link in place.
        wizard.write({"link_ids": [Command.update(link.id, {"expires_at": expiry})]})
        self.assertEqual(link.expires_at, expiry)

        in_dialog = {"islebooks_portal_wizard_id": wizard.id}
        action = link.with_context(**in_dialog).action_regenerate()
        self.assertEqual(action["res_id"], wizard.id)
        self.assertEqual(link.state, "revoked")
        new_link = wizard.link_ids
        self.assertNotEqual(new_link, link)
        self.assertEqual(new_link.state, "active")
        self.assertEqual(new_link.expires_at, expiry, "Regenerate keeps the chosen expiry")
        self.assertEqual(self.Link._resolve(link.token), self.Link.browse())
        self.assertEqual(self.Link._resolve(new_link.token), new_link)

        action = new_link.with_context(**in_dialog).action_revoke()
        self.assertEqual(action["res_id"], wizard.id)
        self.assertEqual(new_link.state, "revoked")
        self.assertFalse(new_link.qr_code)
        self.assertFalse(self.Link._resolve(new_link.token))
        self.assertIn("revoked", self.company_partner.message_ids[:1].body)

    def test_dialog_lists_only_the_links_it_was_opened_for(self):
        wizard = self._run(self.company_partner)
        other = self.partner_b._get_portal_payment_links()
        for command in (Command.set(other.ids), Command.link(other.id), Command.clear()):
            with self.subTest(command=command), self.assertRaises(AccessError):
                wizard.write({"link_ids": [command]})
        self.assertEqual(wizard.link_ids.partner_id, self.company_partner)
        # An action told another dialog's id changes neither dialog nor link.
        with self.assertRaises(AccessError):
            other.with_context(islebooks_portal_wizard_id=wizard.id).action_regenerate()
        self.assertEqual(other.state, "active")

    def test_contact_shows_link_activity(self):
        self.assertFalse(self.contact.payment_link_portal_id)
        link = self.company_partner._get_portal_payment_links()
        link._register_view()
        age_last_view(link)
        link._register_view()
        self.contact.invalidate_recordset()
        self.company_partner.invalidate_recordset()
        for partner in (self.company_partner, self.contact):
            self.assertEqual(partner.payment_link_portal_id, link)
            self.assertEqual(partner.payment_link_portal_url, link.url)
            self.assertEqual(partner.payment_link_portal_view_count, 2)
            self.assertEqual(partner.payment_link_portal_payment_count, 0)
            self.assertTrue(partner.payment_link_portal_created_at)
            self.assertTrue(partner.payment_link_portal_first_viewed_at)
            self.assertTrue(partner.payment_link_portal_last_viewed_at)
        action = self.contact.action_open_portal_payment_link()
        self.assertEqual((action["res_model"], action["res_id"]), (link._name, link.id))
        # A revoked link is no longer shown as the active one.
        link.action_revoke()
        self.company_partner.invalidate_recordset()
        self.assertFalse(self.company_partner.payment_link_portal_id)

    def test_partner_form_shows_the_link(self):
        arch = self.env["res.partner"].get_view(self.env.ref("base.view_partner_form").id, "form")[
            "arch"
        ]
        self.assertIn("action_open_portal_payment_link", arch)
        self.assertIn("payment_link_portal_first_viewed_at", arch)


@tagged("post_install", "-at_install")
class TestPortalWizardSend(PaymentLinksCommon):
    """Send the portal link from the Generate Payment Link dialog: WhatsApp and email."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Lagoon Traders",
                "is_company": True,
                "email": "accounts@lagoon.example.com",
                "country_id": cls.env.ref("base.mv").id,
                "whatsapp": "777 1234",
            }
        )
        cls._create_invoices(2, cls.customer, amount=150.0)
        cls.wizard = cls.env["islebooks.payment.link.wizard"].create(
            {"partner_ids": [fields.Command.set(cls.customer.ids)]}
        )
        cls.portal_link = cls.wizard.link_ids

    def test_whatsapp_message_has_portal_link_and_total_due(self):
        action = self.portal_link.action_send_whatsapp()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["target"], "new")
        url = urlsplit(action["url"])
        self.assertEqual((url.netloc, url.path), ("wa.me", "/9607771234"))
        text = parse_qs(url.query)["text"][0]
        self.assertIn(self.portal_link.url, text)
        self.assertIn("Lagoon Traders", text)
        total = format_amount(self.env, 300.0, self.company.currency_id)
        self.assertIn(total, text)
        # Logged on the customer, like invoice messages are on invoices.
        log = self.customer.message_ids[:1]
        self.assertIn("+960 777-1234", log.body)
        self.assertIn(self.env.user.name, log.body)

    def test_whatsapp_without_a_number_names_the_contact(self):
        self.customer.whatsapp = False
        with self.assertRaises(RedirectWarning) as caught:
            self.portal_link.action_send_whatsapp()
        self.assertIn("Lagoon Traders", str(caught.exception))

    def test_revoked_link_is_not_sent(self):
        self.portal_link.action_revoke()
        with self.assertRaises(UserError):
            self.portal_link.action_send_whatsapp()
        with self.assertRaises(UserError):
            self.portal_link.action_send_email()

    def test_email_uses_the_editable_template_and_reaches_the_customer(self):
        action = self.portal_link.action_send_email()
        self.assertEqual(action["res_model"], "mail.compose.message")
        composer = self.env["mail.compose.message"].with_context(**action["context"]).create({})
        template = self.env.ref("islebooks_payment_links.mail_template_portal_link_email")
        self.assertEqual(composer.template_id, template)
        self.assertIn(self.portal_link.url, composer.body)
        self.assertEqual(composer.partner_ids, self.customer)
        composer.action_send_mail()
        message = self.customer.message_ids.filtered(
            lambda m: self.portal_link.url in (m.body or "")
        )
        self.assertEqual(len(message), 1)
        self.assertEqual(message.partner_ids, self.customer)


@tagged("post_install", "-at_install")
class TestPortalWizardOwedFigure(PaymentLinksHttpCommon):
    """The dialog's WhatsApp message says what the customer owes in the very figure the
    Customer Portal page shows, so the customer reads the same amount in both."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Atoll Supplies",
                "is_company": True,
                "country_id": cls.env.ref("base.mv").id,
                "whatsapp": "777 4321",
            }
        )
        # Two open invoices (300.00) and an open credit note (50.00): owes 250.00.
        cls._create_invoices(2, cls.customer, amount=150.0)
        cls._create_invoices(1, cls.customer, amount=50.0, move_type="out_refund")
        cls.link = cls.customer._get_portal_payment_links()

    def _page_owed(self):
        """The amounts the Customer Portal page shows as owed, as the customer reads them."""
        response = self.url_open(self._link_path(self.link))
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.text)
        owed = "//*[contains(concat(' ', @class, ' '), ' o_islebooks_net_amount ')]"
        return [node.text_content().strip() for node in page.xpath(owed)]

    def test_whatsapp_quotes_the_portal_pages_balance_net_of_credit(self):
        currency = self.company.currency_id
        owed = self._page_owed()
        self.assertEqual(owed, [format_amount(self.env, 250.0, currency)], "net of the credit note")
        text = parse_qs(urlsplit(self.link.action_send_whatsapp()["url"]).query)["text"][0]
        self.assertIn(f"shows *{owed[0]}* to pay", text)
        self.assertNotIn(format_amount(self.env, 300.0, currency), text)
