from odoo import api, fields, models


class ReportPartnerStatement(models.AbstractModel):
    _name = "report.islebooks_payment_links.report_partner_statement"
    _description = "Statement of account"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        company = self.env["res.company"].browse(data.get("company_id")) or self.env.company
        today = fields.Date.context_today(self)
        date_to = fields.Date.to_date(data.get("date_to")) or today
        date_from = fields.Date.to_date(data.get("date_from")) or date_to.replace(month=1, day=1)
        partners = self.env["res.partner"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "statements": [
                partner._get_statement_values(company, date_from, date_to) for partner in partners
            ],
        }
