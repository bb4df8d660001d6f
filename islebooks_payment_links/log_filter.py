"""Keep payment link tokens out of the HTTP access log.

Werkzeug logs every request line ("GET /pay/<token> HTTP/1.1") on the
``werkzeug`` logger: whoever reads the server's logs would otherwise collect
working links. The filter rewrites the record before any handler sees it.
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


def install(logger_name="werkzeug"):
    """Add the filter once per process (modules can be imported again on reload)."""
    logger = logging.getLogger(logger_name)
    if not any(type(f).__name__ == PaymentLinkTokenFilter.__name__ for f in logger.filters):
        logger.addFilter(PaymentLinkTokenFilter())


install()
