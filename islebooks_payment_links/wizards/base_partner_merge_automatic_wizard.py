from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        # Links of the merged-away contacts are revoked before Odoo moves their
        # records to the destination: the customer keeps one set of links (the
        # destination's), and two live portal links never collide on it.
        partners = self.env["res.partner"].browse(partner_ids).exists()
        if len(partners) >= 2:
            if dst_partner and dst_partner in partners:
                src_partners = partners - dst_partner
            else:
                src_partners = self._get_ordered_partner(partners.ids)[:-1]
            self.env["islebooks.payment.link"]._revoke_for_partners(src_partners)
        return super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
