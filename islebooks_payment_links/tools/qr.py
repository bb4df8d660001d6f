"""The one place the addon draws a QR code.

Odoo's ``ir.actions.report.barcode("QR", ...)`` draws with reportlab at a
given pixel size; a payment link's QR code is drawn by modules (``box_size``)
so that it stays sharp on the invoice PDF and in the downloaded PNG alike.
"""

import base64
import io

import qrcode


def qr_png(value, box_size=8, border=2):
    """PNG bytes of the QR code of ``value``."""
    stream = io.BytesIO()
    qrcode.make(value, box_size=box_size, border=border).save(stream, format="PNG")
    return stream.getvalue()


def qr_png_base64(value, box_size=8, border=2):
    """The same PNG, base64-encoded (for a Binary field or a data URI)."""
    return base64.b64encode(qr_png(value, box_size=box_size, border=border)).decode()
