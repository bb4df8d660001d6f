from . import test_payment_link
from . import test_payment_link_http
from . import test_payment_link_tours
