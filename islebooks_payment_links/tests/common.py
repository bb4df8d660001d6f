"""Shared fixtures of the addon's tests.

``PaymentLinksCommon`` gives every test class the same world: Odoo's accounting
test company (``AccountTestInvoicingCommon``: chart of accounts, bank journal,
``partner_a``/``partner_b``, ``product_a``, the ``accountman`` user) where Odoo's
own Demo payment provider (module ``payment_demo``) is enabled the way a
business enables it, plus helpers to make posted customer invoices and to
reach a link's pages. Build other features' tests on it (WhatsApp, portal,
bank-transfer confirmations) rather than setting up providers again.
"""

from odoo import Command, fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def age_last_view(link, minutes=2):
    """Move ``link``'s last view back in time, so the next one is not a reload."""
    link.env.cr.execute(
        "UPDATE islebooks_payment_link"
        " SET last_viewed_at = last_viewed_at - %s * interval '1 minute' WHERE id = %s",
        [minutes, link.id],
    )
    link.invalidate_recordset(["last_viewed_at"])


class PaymentLinksFixtures:
    """What both test bases build on: Odoo's Demo provider enabled the way staff
    do it, customer invoices made and paid in batches, and a link's page path."""

    @classmethod
    def _enable_demo_provider(cls, company, journal):
        """Enable Odoo's Demo provider for ``company``, as staff do in Payment Providers.

        The record is ``payment.payment_provider_demo`` (installed by ``payment_demo``):
        test mode, published, in the company, paying into its bank journal. Every
        other provider of the company is disabled so only Demo is offered.
        """
        provider = cls.env.ref("payment.payment_provider_demo").sudo()
        cls.env["payment.provider"].sudo().search(
            [("company_id", "=", company.id), ("id", "!=", provider.id)]
        ).state = "disabled"
        # Company and journal in one write: the provider may already pay into
        # another company's journal (a database where staff enabled it).
        provider.write(
            {
                "company_id": company.id,
                "journal_id": journal.id,
                "state": "test",
                "is_published": True,
            }
        )
        provider.payment_method_ids.active = True
        return provider

    @classmethod
    def _create_invoices(
        cls,
        count=1,
        partner=None,
        amount=100.0,
        *,
        post=True,
        move_type="out_invoice",
        company=None,
        currency=None,
        invoice_date=None,
    ):
        """``count`` moves (customer invoices by default) of one untaxed line each, in one batch.

        ``partner`` defaults to the test class's ``customer``, ``company`` to the test
        company (its sale or purchase journal is used). No payment term: an invoice is
        due on its date (overdue from the next day).
        """
        company = company or cls.env.company
        invoice_date = invoice_date or fields.Date.today()
        journal_type = "purchase" if move_type in ("in_invoice", "in_refund") else "sale"
        journal = cls.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", journal_type)], limit=1
        )
        moves = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                [
                    {
                        "move_type": move_type,
                        "partner_id": (partner or cls.customer).id,
                        "journal_id": journal.id,
                        "currency_id": (currency or company.currency_id).id,
                        "invoice_payment_term_id": False,
                        "invoice_date": invoice_date,
                        "invoice_date_due": invoice_date,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "Consulting",
                                    "quantity": 1,
                                    "price_unit": amount,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                    for _i in range(count)
                ]
            )
        )
        if post:
            moves.action_post()
        return moves

    @classmethod
    def _create_invoice(cls, **kwargs):
        """One posted customer invoice (see ``_create_invoices`` for the options)."""
        return cls._create_invoices(1, **kwargs)

    @classmethod
    def _pay_in_full(cls, invoices):
        """Register a full payment of each of ``invoices`` from the back office."""
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({"journal_id": cls.bank_journal.id, "group_payment": False})
            ._create_payments()
        )

    @staticmethod
    def _link_path(link, suffix=""):
        """Path of the customer page of ``link`` (``/pay/<token>``), plus ``suffix``."""
        return f"/pay/{link.token}{suffix}"


class PaymentLinksCommon(PaymentLinksFixtures, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.demo_provider = cls._enable_demo_provider(cls.env.company, cls.bank_journal)
        cls.customer = cls.partner_a
        cls.customer.email = "customer@example.com"
        cls.Link = cls.env["islebooks.payment.link"]

    # ------------------------------------------------------------------
    # Link helpers
    # ------------------------------------------------------------------

    @classmethod
    def _invoice_path(cls, invoice, suffix=""):
        """Path of the live link of ``invoice``, created as Copy Invoice URL does."""
        return cls._link_path(invoice._get_payment_links(), suffix)

    @staticmethod
    def _tamper(token):
        """``token`` with one character changed (still a well-formed token)."""
        return token[:-1] + ("A" if token[-1] != "A" else "B")
