from . import islebooks_payment_link
from . import account_move
from . import res_company
from . import res_config_settings
from . import payment_transaction
from . import res_partner
