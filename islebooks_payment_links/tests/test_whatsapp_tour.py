from odoo import Command
from odoo.tests import tagged

from .common import PaymentLinksHttpCommon


@tagged("post_install", "-at_install")
class TestWhatsappTour(PaymentLinksHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.user_admin").write(
            {
                "company_id": cls.env.company.id,
                "company_ids": [Command.link(cls.env.company.id)],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Tour Customer Hawwa",
                "country_id": cls.env.ref("base.mv").id,
                "whatsapp": "777 1234",
            }
        )
        cls.invoice = cls._post_invoice(cls.customer)

    @classmethod
    def _post_invoice(cls, partner):
        return cls._create_invoice(
            partner=partner, amount=420.0, invoice_date="2026-11-01", name="Dive trip"
        )

    def test_send_invoice_via_whatsapp_from_list_and_form(self):
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "islebooks_whatsapp_send_tour",
            login="admin",
        )
        link = self.invoice.payment_link_id
        self.assertTrue(link)
        notes = self.invoice.message_ids.filtered(
            lambda message: "WhatsApp message opened for +960 777-1234" in message.body
        )
        self.assertEqual(len(notes), 2, "one note per message opened (list, then form)")
        self.assertEqual(notes.author_id, self.env.ref("base.user_admin").partner_id)

    def test_several_customers_through_the_wizard(self):
        ravi, nonumber = self.env["res.partner"].create(
            [
                {
                    "name": "Tour Customer Ravi",
                    "country_id": self.env.ref("base.in").id,
                    "whatsapp": "98765 43210",
                },
                {"name": "Tour Customer Nonumber"},
            ]
        )
        invoices = self.invoice | self._post_invoice(ravi) | self._post_invoice(nonumber)
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "islebooks_whatsapp_wizard_tour",
            login="admin",
        )
        opened = invoices.filtered(
            lambda move: any("WhatsApp message opened" in m.body for m in move.message_ids)
        )
        self.assertEqual(opened, invoices[:2], "logged for the two customers reached only")

    def test_invalid_number_on_the_contact_form(self):
        self.start_tour(
            "/odoo/action-account.res_partner_action_customer/new",
            "islebooks_whatsapp_partner_tour",
            login="admin",
        )
        partner = self.env["res.partner"].search([("name", "=", "Tour Keeper Contact")])
        self.assertEqual(partner.whatsapp, "+9607774321")
