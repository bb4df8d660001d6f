"""Who may manage the addon's records, and which of their fields anyone may write."""

from odoo.exceptions import AccessError

from .constants import STAFF_GROUP


def check_staff_access(env):
    """Raise an AccessError unless ``env`` may manage payment links.

    The addon's own code runs its internal steps with ``sudo()`` (revoking the
    links of an archived customer, the website's pages): that is allowed.
    """
    if not env.su and not env.user.has_group(STAFF_GROUP):
        raise AccessError(env._("Only invoicing users can manage payment links."))


def check_protected_write(records, vals, allowed):
    """Refuse, outside the addon's own (sudo) code, a write of a field not in ``allowed``.

    ``readonly=`` only hides a field in the form: over RPC anything can be
    written, so the fields the addon manages (tokens, targets, review state)
    are refused here whatever the caller's rights on the model.
    """
    if records.env.su:
        return
    refused = sorted(set(vals) - set(allowed))
    if refused:
        raise AccessError(
            records.env._(
                "These fields of %(model)s are set by the addon and cannot be changed by hand: "
                "%(fields)s.",
                model=records._description,
                fields=", ".join(
                    records._fields[name].string if name in records._fields else name
                    for name in refused
                ),
            )
        )
