from . import main
from . import payment_confirmation
