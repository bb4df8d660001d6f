from . import islebooks_payment_link
from . import account_move
from . import res_company
from . import res_config_settings
from . import res_partner
from . import islebooks_payment_confirmation
from . import account_move_send
from . import ir_actions_actions
