from . import test_setup_readiness
from . import test_invoice_pdf_qr
from . import test_amount_in_words
from . import test_invoice_email
from . import test_list_context_menu
