from odoo import api, fields, models, tools


class PaymentProvider(models.Model):
    # What a payment form offers (_get_payment_link_option_ids): any change of a provider.
    _name = "payment.provider"
    _inherit = ["payment.provider", "islebooks.payment.page.cache"]

    @api.model
    def _get_payment_link_options(
        self, company, partner, amount, currency, website_id, report=None
    ):
        """The providers and payment methods the payment form of a link offers
        ``partner`` for ``amount`` in ``currency`` (sudo recordsets): Odoo's own
        choice (``_get_compatible_providers`` with the website's filter, then
        ``_get_compatible_payment_methods``), memoised per worker.

        A customer reloading a page, or a link opened by many (a preview bot,
        a group chat), asks the same question again and again, and its answer
        costs nine queries. The key holds what Odoo's criteria read besides the
        providers and payment methods: the company and its currency, the
        partner and its country, the amount, the currency and today's rate to
        the company's, the website, the visitor being staff or not. Any change
        to a provider or a payment method clears the memo, in every worker
        (``islebooks.payment.page.cache``). An extension choosing
        providers on anything else adds it to the key.

        With a ``report`` (Odoo's availability report, which its form shows
        administrators) the choice is made afresh: the report is written while
        choosing.
        """
        Provider, Method = self.sudo(), self.env["payment.method"].sudo()
        if report is not None:
            return Provider._choose_payment_link_options(
                company.id, partner.id, amount, currency.id, website_id, report=report
            )
        today = fields.Date.context_today(self)
        company_currency = company.currency_id
        rate = (
            currency._get_conversion_rate(currency, company_currency, company, today)
            if currency and company_currency and currency != company_currency
            else 1.0
        )
        provider_ids, method_ids = Provider._get_payment_link_option_ids(
            company.id,
            partner.id,
            amount,
            currency.id,
            website_id,
            (
                company_currency.id,
                partner.country_id.id,
                rate,
                today,
                self.env.user._is_internal(),
            ),
        )
        return Provider.browse(provider_ids), Method.browse(method_ids)

    @api.model
    @tools.ormcache("company_id", "partner_id", "amount", "currency_id", "website_id", "key")
    def _get_payment_link_option_ids(
        self, company_id, partner_id, amount, currency_id, website_id, key
    ):
        # ``key``: the rest of what the choice depends on (see above).
        providers, methods = self._choose_payment_link_options(
            company_id, partner_id, amount, currency_id, website_id
        )
        return tuple(providers.ids), tuple(methods.ids)

    @api.model
    def _choose_payment_link_options(
        self, company_id, partner_id, amount, currency_id, website_id, report=None
    ):
        providers = self._get_compatible_providers(
            company_id,
            partner_id,
            amount,
            currency_id=currency_id,
            website_id=website_id,
            report=report,
        )
        methods = self.env["payment.method"]._get_compatible_payment_methods(
            providers.ids, partner_id, currency_id=currency_id, report=report
        )
        return providers, methods
