from odoo import models

from .ir_http import is_payment_link_request

# What `website` injects into its layout from the website's settings: analytics
# and custom code would see (and send) the URL of a page, token included.
TRACKING_FIELDS = {
    "google_analytics_key": False,
    "plausible_shared_key": False,
    "plausible_site": False,
    "custom_code_head": "",
    "custom_code_footer": "",
}


class WebsiteWithoutTracking:
    """The current website as the layout reads it on /pay/ pages: the same
    record in every respect except its analytics and custom code, empty."""

    __slots__ = ("_website",)

    def __init__(self, website):
        object.__setattr__(self, "_website", website)

    def __getattr__(self, name):
        if name in TRACKING_FIELDS:
            return TRACKING_FIELDS[name]
        return getattr(self._website, name)

    def __eq__(self, other):
        return self._website == getattr(other, "_website", other)

    def __hash__(self):
        return hash(self._website)

    def __bool__(self):
        return bool(self._website)

    def __iter__(self):
        return iter(self._website)

    def __len__(self):
        return len(self._website)

    def __repr__(self):
        return repr(self._website)


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _prepare_environment(self, values):
        # Called after the frontend values (``website`` among them) are set,
        # whatever the order the modules were loaded in.
        ir_qweb = super()._prepare_environment(values)
        website = values.get("website")
        if (
            is_payment_link_request()
            and isinstance(website, models.BaseModel)
            and website._name == "website"
        ):
            values["website"] = WebsiteWithoutTracking(website)
        return ir_qweb
