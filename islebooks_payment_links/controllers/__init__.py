from . import invoice
from . import portal
from . import payment_confirmation
