from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class PaymentLinkCompanyCase(AccountTestInvoicingCommon):
    """An accounting company of its own, with nothing set up to get paid."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write({"email": "billing@company-one.example", "phone": "+1 555 0100"})
        cls.env["payment.provider"].sudo().search([("company_id", "=", cls.company.id)]).write(
            {"state": "disabled"}
        )
        cls.company.partner_id.bank_ids.unlink()
        cls.partner_a.email = "partner_a@customer.example"

    @classmethod
    def _make_ready(cls, company=None):
        """Give the company a bank account customers can transfer to."""
        company = company or cls.company
        return cls.env["res.partner.bank"].create(
            {"acc_number": "BE71 0961 2345 6769", "partner_id": company.partner_id.id}
        )

    @classmethod
    def _posted_invoice(cls, amount=100.0, partner=None):
        return cls.init_invoice(
            "out_invoice", partner=partner or cls.partner_a, amounts=[amount], post=True
        )
