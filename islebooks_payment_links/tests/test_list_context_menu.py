from odoo import Command
from odoo.tests import HttpCase, tagged


def _hoot_job_id(name):
    """The id Odoo's HOOT runner gives a suite (see web/tests/test_js.py)."""
    value = 0
    for char in name:
        value = ((value << 5) - value + ord(char)) & 0xFFFFFFFF
    return f"{value:08x}"


def _addon_action_ids(env):
    """Ids of the server actions of the addon and of its glue addons (Send by SMS)."""
    modules = env["ir.actions.actions"]._get_payment_link_context_modules()
    return set(
        env["ir.model.data"]
        .search([("module", "in", modules), ("model", "=", "ir.actions.server")])
        .mapped("res_id")
    )


@tagged("post_install", "-at_install")
class TestListContextMenu(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Context Menu Customer", "email": "context@customer.example"}
        )
        cls.invoices = cls.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.customer.id,
                    "invoice_line_ids": [
                        Command.create({"name": "Consulting", "quantity": 1, "price_unit": price})
                    ],
                }
                for price in (100.0, 250.0)
            ]
        )
        cls.invoices.action_post()

    def test_bindings_flag_only_the_addon_actions(self):
        bindings = self.env["ir.actions.actions"].get_bindings("account.move")["action"]
        flagged = {action["id"] for action in bindings if action.get("islebooks_context_menu")}
        copy_action = self.env.ref("islebooks_payment_links.account_move_action_copy_payment_link")
        self.assertIn(copy_action.id, flagged)
        others = {action["id"] for action in bindings} - flagged
        self.assertTrue(others, "core actions exist and stay out of the context menu")
        self.assertFalse(flagged - _addon_action_ids(self.env))

    def test_bindings_not_flagged_for_users_without_the_action(self):
        user = self.env["res.users"].create(
            {
                "name": "Salesperson without invoicing",
                "login": "no_invoicing_user",
                "groups_id": [Command.set(self.env.ref("base.group_user").ids)],
            }
        )
        bindings = (
            self.env["ir.actions.actions"].with_user(user).get_bindings("account.move")
        ).get("action", [])
        self.assertFalse([action for action in bindings if action.get("islebooks_context_menu")])

    def test_right_click_menu_tour(self):
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "islebooks_list_context_menu",
            login="admin",
        )
        self.assertEqual(len(self.invoices.payment_link_id), 2)
        self.assertTrue(all(self.invoices.mapped("payment_link_url")))

    def test_kanban_views_get_the_addon_actions(self):
        """The kanban views of contacts and invoices get the flagged actions with the view."""
        for model, xmlids in {
            "res.partner": ["res_partner_action_generate_payment_link"],
            "account.move": [
                "account_move_action_copy_payment_link",
                "account_move_action_send_whatsapp",
            ],
        }.items():
            views = self.env[model].get_views([(False, "kanban")], {"toolbar": True})["views"]
            flagged = {
                action["id"]
                for action in views["kanban"]["toolbar"].get("action", [])
                if action.get("islebooks_context_menu")
            }
            expected = {self.env.ref(f"islebooks_payment_links.{xmlid}").id for xmlid in xmlids}
            # Glue addons (Send by SMS) add theirs.
            self.assertLessEqual(expected, flagged, model)
            self.assertFalse(flagged - _addon_action_ids(self.env), model)

    def test_kanban_card_right_click_and_long_press_tour(self):
        customer = self.env["res.partner"].create(
            {"name": "Kanban Card Customer", "email": "kanban@customer.example", "customer_rank": 1}
        )
        self.start_tour(
            "/odoo/action-account.res_partner_action_customer",
            "islebooks_kanban_context_menu",
            login="admin",
        )
        link = self.env["islebooks.payment.link"].search(
            [("scope", "=", "portal"), ("partner_id", "=", customer.id)]
        )
        self.assertEqual(len(link), 1, "the card's menu opened the customer's portal link")
        self.assertEqual(link.state, "active")

    def test_hoot_unit_tests(self):
        """The menu's OWL unit tests (static/tests/*.test.js), in Odoo's HOOT runner."""
        suite = _hoot_job_id("@islebooks_payment_links")
        self.browser_js(
            f"/web/tests?headless&loglevel=2&preset=desktop&timeout=15000&id={suite}",
            "",
            "",
            login="admin",
            timeout=900,
            success_signal="[HOOT] Test suite succeeded",
            error_checker=lambda message: "[HOOT]" not in message,
        )
