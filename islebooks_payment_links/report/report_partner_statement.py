from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..tools.constants import STAFF_GROUP


class ReportPartnerStatement(models.AbstractModel):
    _name = "report.islebooks_payment_links.report_partner_statement"
    _description = "Statement of account"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        partners = self.env["res.partner"].browse(docids)
        company = self.env["res.company"].browse(data.get("company_id")) or self.env.company
        if not self.env.su:
            # /report/pdf/<report>/<ids> renders whatever it is given: the ledger
            # is for invoicing staff who may see the customer, in a company they
            # work in. A payment link renders it with sudo, for its own customer.
            if not self.env.user.has_group(STAFF_GROUP):
                raise AccessError(_("Only invoicing users can print statements of account."))
            partners.check_access("read")
            if company not in self.env.companies:
                raise AccessError(_("You cannot print a statement of another company."))
        today = fields.Date.context_today(self)
        date_to = fields.Date.to_date(data.get("date_to")) or today
        date_from = fields.Date.to_date(data.get("date_from")) or date_to.replace(month=1, day=1)
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "statements": [
                partner._get_statement_values(company, date_from, date_to) for partner in partners
            ],
        }
