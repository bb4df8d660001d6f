from . import islebooks_payment_link_wizard
from . import islebooks_payment_link_wizard_line
