"""The addon's shared constants: one place for each figure or list that more
than one file reads (models, controllers, wizards, report, tests)."""

import re
from datetime import timedelta

# The documents a payment link may ever open: customer invoices and credit notes.
CUSTOMER_MOVE_TYPES = ("out_invoice", "out_refund")
# A document is open while its payment state says something is left to pay:
# the part of core's ``_has_to_be_paid()`` about the invoice itself (see
# ``account.move._is_open_invoice``). ``in_payment`` has nothing left to pay (zero residual).
OPEN_PAYMENT_STATES = ("not_paid", "partial")
SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed")
# An online payment of these transactions is in progress: the invoice shows
# "processing" and nobody may start another payment of it.
BUSY_TX_STATES = ("pending", "authorized")

# Who may see and manage links in the backend (tokens are bearer credentials).
STAFF_GROUP = "account.group_account_invoice"
# What staff may change on a link (islebooks.payment.link); the addon writes the rest.
LINK_STAFF_WRITABLE_FIELDS = frozenset({"expires_at"})
# The invoice fields the addon manages, never set over RPC.
ADDON_MANAGED_FIELDS = frozenset({"payment_link_ids", "payment_confirmation_ids"})
# The context key by which the Generate Payment Link dialog tells a link's action its wizard.
WIZARD_CONTEXT_KEY = "islebooks_portal_wizard_id"

# secrets.token_urlsafe(32): 256 bits, 43 URL-safe characters.
TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
# The path every customer page of a link lives under: ``/pay/<token>``.
LINK_PATH_PREFIX = "/pay/"
# Reloads closer together than this are one view (see _register_view).
VIEW_DEBOUNCE = timedelta(minutes=1)

PORTAL_PAGE_SIZE = 20
# What a row of the portal's lists shows (read with the page of rows, in one query).
PORTAL_ROW_FIELDS = [
    "name",
    "move_type",
    "state",
    "payment_state",
    "currency_id",
    "invoice_date",
    "invoice_date_due",
    "amount_total",
    "amount_total_signed",
    "amount_residual",
    # Not in the rows: the transfer reference the bank-transfer confirmation
    # section shows of the open invoices it offers (the unpaid page's).
    "payment_reference",
]
# Bounded work per request: invoices in one ZIP or one payment, legal PDFs
# generated on the fly by one request, days of one statement of account.
MAX_INVOICES_PER_REQUEST = 100
MAX_PDFS_PER_REQUEST = 20
MAX_STATEMENT_DAYS = 3 * 366
# A portal selection of every open invoice in one currency ("Pay all"):
# ``all-<currency id>`` instead of hundreds of ids in the URL.
PAY_ALL_PREFIX = "all-"
# In a portal selection, an other amount due (a journal item's id) beside the
# invoices' ids: ``12,15,r7`` pays invoices 12 and 15 and item 7.
ITEM_SELECTION_PREFIX = "r"
# What a row of the portal's "Other amounts due" shows (one query for the list).
PORTAL_ITEM_FIELDS = [
    "move_name",
    "ref",
    "name",
    "date",
    "date_maturity",
    "currency_id",
    "amount_residual_currency",
]
# The checkout lists this many of the invoices it pays, then "+ N more".
CHECKOUT_ROWS = 20

# How long a payment start waits for another transaction's write of the
# invoice (a job storing its PDF, a payment being registered) before it tells
# the customer the invoice is being updated.
PAYMENT_TOUCH_WAIT = "5s"

# What a customer may type in a bank transfer confirmation.
MAX_REFERENCE_LENGTH = 64
MAX_NOTE_LENGTH = 1000
# What staff correct on a bank transfer confirmation before approving; the rest is the
# customer's report or the review.
CONFIRMATION_STAFF_WRITABLE_FIELDS = frozenset(
    {"amount", "transfer_date", "bank_reference", "journal_id"}
)
# A transfer reported for an invoice was made at most this long before it.
MAX_TRANSFER_AGE = timedelta(days=366)

# Customers planned and payment reminder emails sent per call of the scheduled job: Odoo's
# cron commits after each call and calls again while work remains.
REMINDER_BATCH_SIZE = 100
# A payment reminder whose email failed is tried again after this delay (next run).
REMINDER_RETRY_DELAY = timedelta(hours=1)
