from . import test_whatsapp_number
from . import test_whatsapp_send
from . import test_whatsapp_tour
from . import test_payment_confirmation
from . import test_payment_confirmation_http
from . import test_payment_confirmation_tour
