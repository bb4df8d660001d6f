"""The refusals the models raise for the web layer to answer (see controllers/)."""

from odoo.exceptions import UserError


class PortalPageError(UserError):
    """A portal request the portal page answers with this message (HTTP ``status``):
    too many invoices at once, a period the statement refuses, PDFs still being
    prepared (409). The portal's controllers render the page with the message."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status
