from odoo import api, models


class IslebooksPaymentPageCache(models.AbstractModel):
    """Cache invalidation of the payment pages, mixed into each model they
    remember something of, per worker (an
    ``ormcache``: a company's bank details, the providers a form offers; a QWeb
    ``t-cache``: an invoice's lines and totals). A change to one of its records
    clears that memory in every worker (Odoo's cache signalling), so the next
    view reads it afresh.

    ``_payment_page_fields``: the fields the pages read, whose write clears it
    (None: any write); a create or an unlink always does.
    """

    _name = "islebooks.payment.page.cache"
    _description = "Payment pages: cache invalidation"
    _payment_page_fields = None

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache()
        return records

    def write(self, vals):
        result = super().write(vals)
        if self._payment_page_fields is None or self._payment_page_fields & set(vals):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
