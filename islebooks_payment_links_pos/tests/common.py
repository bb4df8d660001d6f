"""The Point of Sale world of the glue addon's tests, on Odoo's own POS test base.

``PosLinksCommon`` is Odoo's ``TestPoSCommon`` (a shop, its payment methods, among them
``pay_later_pm``: a method without journal, Odoo's "Customer Account") on the main
addon's ``PaymentLinksCommon`` (the prepared accounting test company: no chart loaded
per class). It adds a cashier (a Point of Sale user without invoicing rights) and
``_make_account_sale``: a real sale charged to the customer's account, through
``sync_from_ui`` as the till sends it, with its session optionally closed.
"""

from odoo import Command

from odoo.addons.islebooks_payment_links.tests.common import PaymentLinksCommon
from odoo.addons.point_of_sale.tests.common import TestPoSCommon


class PosLinksCommon(TestPoSCommon, PaymentLinksCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pay_later_pm.name = "Customer Account"
        cls.config = cls.basic_config
        cls.config.payment_method_ids = [Command.set((cls.cash_pm1 | cls.pay_later_pm).ids)]
        cls.product = cls.env["product.product"].create(
            {
                "name": "Counter Goods",
                "type": "consu",
                "available_in_pos": True,
                "lst_price": 250.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.customer.write({"name": "Counter Customer", "country_id": cls.env.ref("base.mv").id})
        cls.customer.whatsapp = "+960 777 1234"
        cls.cashier = cls.env["res.users"].create(
            {
                "name": "Counter Cashier",
                "login": "islebooks_cashier",
                # Opening the register posts on the session as the cashier (Odoo's
                # own POS tests give their user an address too).
                "email": "cashier@company-one.example",
                "password": "islebooks_cashier",
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("base.group_user").id,
                            cls.env.ref("point_of_sale.group_pos_user").id,
                        ]
                    )
                ],
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
            }
        )

    def _open_session(self, config=None, user=None):
        """Open ``config``'s session as ``user`` (the cashier by default), as the till does."""
        config = config or self.config
        config.with_user(user or self.cashier).open_ui()
        self.pos_session = config.current_session_id
        self.currency = self.pos_session.currency_id
        self.pricelist = config.pricelist_id
        return self.pos_session

    def _make_account_sale(
        self, customer=None, amount=250.0, *, user=None, invoice=False, close=False, payments=None
    ):
        """A sale of ``amount`` charged to ``customer``'s account (Customer Account) in the
        open session, synced as the till syncs it (by ``user``, the cashier by default);
        ``close`` closes the session, which books the customer's receivable."""
        customer = self.customer if customer is None else customer
        user = user or self.cashier
        data = self.create_ui_order_data(
            [(self.product, amount / self.product.lst_price)],
            customer=customer,
            is_invoiced=invoice,
            payments=payments or [(self.pay_later_pm, amount)],
        )
        data["user_id"] = user.id
        result = self.env["pos.order"].with_user(user).sync_from_ui([data])
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        if close:
            session = order.session_id
            session.post_closing_cash_details(0)
            session.close_session_from_ui()
        return order
