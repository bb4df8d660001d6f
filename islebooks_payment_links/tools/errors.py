"""Refusals of the customer pages: what the models raise for the web layer to
answer (``PortalPageError``), and the web layer's own (``FailedLookup``)."""

from werkzeug.exceptions import NotFound

from odoo.exceptions import UserError


class PortalPageError(UserError):
    """A portal request the portal page answers with this message (HTTP ``status``):
    too many invoices at once, a period the statement refuses, PDFs still being
    prepared (409). The portal's controllers render the page with the message."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


class FailedLookup(NotFound):
    """A token that opens no link: the 404 page, counted against the client
    address by ``ir.http._handle_error`` once the request is rolled back.
    Raised by the controllers' resolver (``PaymentLinkController._resolve_link``)."""
