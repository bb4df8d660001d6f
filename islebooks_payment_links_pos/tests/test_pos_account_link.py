from urllib.parse import unquote

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import JsonRpcException, tagged
from odoo.tools import format_amount

from odoo.addons.islebooks_payment_links.tests.common import PaymentLinksHttpCommon

from .common import PosLinksCommon

LINK_FIELDS = ["islebooks_account_link_url", "islebooks_account_link_qr"]


@tagged("post_install", "-at_install")
class TestPosAccountLink(PosLinksCommon, PaymentLinksHttpCommon):
    """The customer's account link at the till (receipt, WhatsApp) and the payment link
    actions of Point of Sale › Orders. One class: one POS world for all the tests."""

    def _portal_url(self, customer=None):
        customer = customer or self.customer
        return customer.commercial_partner_id._get_portal_payment_links().url

    def _rpc(self, model, method, args, kwargs=None):
        """A JSON-RPC call as the authenticated browser session makes it."""
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    # ------------------------------------------------------------------
    # At the till
    # ------------------------------------------------------------------

    def test_receipt_tour_prints_the_account_qr_and_offers_whatsapp(self):
        self._open_session()
        self.start_tour(
            f"/pos/ui?config_id={self.config.id}",
            "islebooks_pos_account_link_tour",
            login=self.cashier.login,
        )
        order = self.env["pos.order"].search([("session_id", "=", self.pos_session.id)])
        self.assertEqual(order.partner_id, self.customer)
        self.assertEqual(order.payment_ids.payment_method_id, self.pay_later_pm)
        self.assertEqual(
            order.with_user(self.cashier).islebooks_account_link_url, self._portal_url()
        )

    def test_account_sale_books_a_receivable_on_the_customer(self):
        """What exists once the session of a Customer Account sale is closed: the customer
        owes the sale (a receivable line of the session's entry), and the receipt's link
        is gone with the session."""
        session = self._open_session()
        order = self._make_account_sale(close=True)
        self.assertEqual(session.state, "closed")
        receivable = session.move_id.line_ids.filtered(
            lambda line: (
                line.partner_id == self.customer
                and line.account_id.account_type == "asset_receivable"
            )
        )
        self.assertEqual(receivable.account_id, self.c1_receivable)
        self.assertEqual(receivable.balance, 250.0)
        self.assertEqual(receivable.amount_residual, 250.0)
        self.assertFalse(order.with_user(self.cashier).islebooks_account_link_url)

    def test_cashier_reads_the_link_of_their_account_sale_only(self):
        """Over RPC as the cashier: the link of the account sale they just made, nothing
        for a cash sale, a sale of another session, or the customer's link field."""
        own = self._make_account_sale_in_own_session()
        cash = self._make_account_sale(payments=[(self.cash_pm1, 250.0)])
        other_config = self.config.copy({"name": "Other Till"})
        other_config.payment_method_ids = self.pay_later_pm
        self._open_session(other_config, user=self.env.user)
        elsewhere = self._make_account_sale(user=self.env.user)
        self.authenticate(self.cashier.login, self.cashier.login)
        rows = self._rpc("pos.order", "read", [[own.id, cash.id, elsewhere.id], LINK_FIELDS])
        by_id = {row["id"]: row for row in rows}
        url = self._portal_url()
        self.assertEqual(by_id[own.id]["islebooks_account_link_url"], url)
        self.assertTrue(by_id[own.id]["islebooks_account_link_qr"].startswith("data:image/png"))
        for order in (cash, elsewhere):
            self.assertFalse(by_id[order.id]["islebooks_account_link_url"])
            self.assertFalse(by_id[order.id]["islebooks_account_link_qr"])
        with self.assertRaises(AccessError):
            self.customer.with_user(self.cashier).read(["payment_link_portal_url"])
        for order in (cash, elsewhere):
            with self.assertRaisesRegex(JsonRpcException, "AccessError"):
                self._rpc("pos.order", "islebooks_send_whatsapp", [[order.id]])
        for method in ("action_generate_payment_link", "action_copy_invoice_payment_link"):
            with self.assertRaisesRegex(JsonRpcException, "AccessError"):
                self._rpc("pos.order", method, [[own.id]])
        with self.assertRaisesRegex(AccessError, "in your open session"):
            elsewhere.with_user(self.cashier).islebooks_send_whatsapp()
        bindings = self.env["ir.actions.actions"].with_user(self.cashier).get_bindings("pos.order")
        ours = self.env.ref("islebooks_payment_links_pos.pos_order_action_generate_payment_link")
        self.assertNotIn(ours.id, [action["id"] for action in bindings.get("action", [])])

    def _make_account_sale_in_own_session(self):
        self._open_session()
        return self._make_account_sale()

    def test_whatsapp_from_the_receipt_is_logged_on_the_customer(self):
        order = self._make_account_sale_in_own_session()
        result = order.with_user(self.cashier).islebooks_send_whatsapp()
        self.assertTrue(result["url"].startswith("https://wa.me/9607771234?text="), result)
        self.assertIn(self._portal_url(), unquote(result["url"]))
        log = self.customer.message_ids[:1]
        self.assertIn("sent via WhatsApp to +960 777-1234 by Counter Cashier", log.body)
        self.assertEqual(log.author_id, self.cashier.partner_id)

    def test_whatsapp_from_the_receipt_states_the_posted_balance(self):
        """The message states what the customer's portal shows: the account sale of a
        closed session (its receivable is booked), not the one just made in the open
        session (booked only when that session closes)."""
        self._open_session()
        self._make_account_sale(close=True)
        order = self._make_account_sale_in_own_session()
        result = order.with_user(self.cashier).islebooks_send_whatsapp()
        amount = format_amount(self.env, 250.0, self.company.currency_id)
        self.assertIn(f"shows *{amount}* to pay", unquote(result["url"]))

    def test_whatsapp_from_the_receipt_without_a_number_says_so(self):
        self.customer.whatsapp = False
        order = self._make_account_sale_in_own_session()
        messages = len(self.customer.message_ids)
        result = order.with_user(self.cashier).islebooks_send_whatsapp()
        self.assertEqual(
            result, {"error": "Counter Customer has no WhatsApp number. Add one on the contact."}
        )
        self.assertEqual(len(self.customer.message_ids), messages)

    # ------------------------------------------------------------------
    # Point of Sale › Orders
    # ------------------------------------------------------------------

    def test_invoiced_order_copies_and_sends_its_invoice_link(self):
        self._open_session()
        order = self._make_account_sale(invoice=True)
        self.assertTrue(order.account_move)
        action = order.action_copy_invoice_payment_link()
        self.assertEqual(action["tag"], "islebooks_copy_payment_links")
        (link,) = action["params"]["links"]
        self.assertEqual(link["name"], order.account_move.name)
        self.assertEqual(link["url"], order.account_move.payment_link_id.url)
        action = order.action_send_invoice_whatsapp()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn(link["url"], unquote(action["url"]))

    def test_order_actions_name_what_is_missing(self):
        self._open_session()
        not_invoiced = self._make_account_sale()
        anonymous = self._make_account_sale(customer=False, payments=[(self.cash_pm1, 250.0)])
        with self.assertRaisesRegex(UserError, "no invoice"):
            (not_invoiced | anonymous).action_copy_invoice_payment_link()
        with self.assertRaisesRegex(UserError, anonymous.name):
            (not_invoiced | anonymous).action_generate_payment_link()

    def test_order_with_customer_generates_the_customer_portal_link(self):
        self._open_session()
        order = self._make_account_sale()
        action = order.action_generate_payment_link()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.partner_ids, self.customer)
        self.assertEqual(wizard.link_ids.url, self._portal_url())
        flagged = [
            action["id"]
            for action in self.env["ir.actions.actions"].get_bindings("pos.order")["action"]
            if action.get("islebooks_context_menu")
        ]
        self.assertIn(
            self.env.ref("islebooks_payment_links_pos.pos_order_action_copy_payment_link").id,
            flagged,
        )

    # ------------------------------------------------------------------
    # On the Customer Portal: the account sale is owed and paid there
    # ------------------------------------------------------------------

    def _closed_account_sale(self):
        """A 250.00 Customer Account sale, its session closed; a 100.00 invoice of the
        customer. Returns the order, its receivable item and the invoice."""
        self._open_session()
        order = self._make_account_sale(close=True)
        item = order.session_move_id.line_ids.filtered(
            lambda line: line.partner_id == self.customer and line.debit
        )
        invoice = self._create_invoice(partner=self.customer, amount=100.0)
        self.link = self.customer._get_portal_payment_links()
        return order, item, invoice

    def _pay_and_settle(self, selection, amount):
        """Pay ``selection`` through the link with the Demo provider: the transaction."""
        result = self._pay_selection(selection, amount)
        self.assertNotIn("error", result, result)
        return self._settle()

    def test_account_sale_listed_on_the_portal_and_paid_alone(self):
        order, item, invoice = self._closed_account_sale()
        reference = f"{order.pos_reference} - Customer Account"
        self.assertEqual(item._get_item_reference(), reference)
        body = self.url_open(self._link_path(self.link)).text
        self.assertIn("Other amounts due", body)
        self.assertEqual(body.count("o_islebooks_item_row"), 1)
        self.assertIn(f'data-item-reference="{reference}"', body)
        # The portal, the statement and a reminder linking to the portal: 350.00.
        [row] = self.customer._get_amount_owed(self.company)
        self.assertEqual((row["count"], row["item_count"], row["amount"]), (1, 1, 350.0))
        today = fields.Date.today()
        statement = self.customer._get_statement_values(self.company, today, today)
        self.assertEqual([row["amount"] for row in statement["owed"]], [350.0])
        reminder = self._create_portal_reminder(invoice)
        self.assertEqual(
            reminder.due_summary_text, format_amount(self.env, 350.0, self.company.currency_id)
        )
        tx = self._pay_and_settle(f"r{item.id}", 250.0)
        self.assertEqual((tx.amount, tx.islebooks_receivable_line_ids), (250.0, item))
        self.assertFalse(tx.invoice_ids)
        # Reconciled once, fully, with this payment; the invoice untouched.
        self.assertTrue(item.reconciled)
        self.assertEqual(item.matched_credit_ids.credit_move_id.move_id, tx.payment_id.move_id)
        self.assertEqual(len(item.matched_credit_ids), 1)
        self.assertEqual(invoice.payment_state, "not_paid")
        [row] = self.customer._get_amount_owed(self.company)
        self.assertEqual((row["item_count"], row["amount"]), (0, 100.0))
        receipt = self.link._get_receipt_values(tx)
        self.assertEqual((receipt["items"], receipt["remaining"]), (item, 100.0))
        response = self.url_open(self._link_path(self.link, f"/receipt/{tx.id}"))
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("o_islebooks_item_row", self.url_open(self._link_path(self.link)).text)

    def test_account_sale_paid_with_an_invoice_in_one_payment(self):
        _order, item, invoice = self._closed_account_sale()
        tx = self._pay_and_settle(f"{invoice.id},r{item.id}", 350.0)
        self.assertEqual((tx.amount, tx.invoice_ids), (350.0, invoice))
        self.assertEqual(tx.islebooks_receivable_line_ids, item)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(item.reconciled)
        receivables = item | invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        self.assertEqual(len(receivables.matched_credit_ids), 2)
        self.assertEqual(
            receivables.matched_credit_ids.credit_move_id.move_id, tx.payment_id.move_id
        )
        self.assertEqual(self.customer._get_amount_owed(self.company), [])
