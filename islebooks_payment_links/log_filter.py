"""Keep payment link tokens out of the server's logs.

Werkzeug logs every request line ("GET /pay/<token> HTTP/1.1") on the
``werkzeug`` logger, and Odoo logs the path on ``odoo.http`` (e.g. "CSRF
validation failed on path '/pay/<token>/confirm'"): whoever reads the logs
would otherwise collect working links. The filter rewrites the records of
those loggers before their handlers see them, and sits on the root logger's
handlers for any other logger that writes a path.
"""

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/pay/)[^/\s?#\"']+")
MASK = r"\1***"


def mask_tokens(text):
    return TOKEN_IN_PATH.sub(MASK, text)


class PaymentLinkTokenFilter(logging.Filter):
    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = mask_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_tokens(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def _add_once(filterer):
    # Modules can be imported again on reload: compare by class name.
    if not any(type(f).__name__ == PaymentLinkTokenFilter.__name__ for f in filterer.filters):
        filterer.addFilter(PaymentLinkTokenFilter())


def install(logger_names=("werkzeug", "odoo.http")):
    """Add the filter to ``logger_names`` and to the root logger's handlers, once."""
    for name in logger_names:
        _add_once(logging.getLogger(name))
    for handler in logging.getLogger().handlers:
        _add_once(handler)


install()
