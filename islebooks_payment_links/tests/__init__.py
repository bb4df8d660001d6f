from . import test_payment_confirmation
from . import test_payment_confirmation_http
from . import test_payment_confirmation_tour
