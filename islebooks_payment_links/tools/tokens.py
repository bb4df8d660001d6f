"""The token of a payment link, as the database keeps it."""

import hashlib


def token_digest(token):
    """SHA-256 hex digest of ``token``: what lookups compare (``token_digest``)."""
    return hashlib.sha256(token.encode()).hexdigest()
