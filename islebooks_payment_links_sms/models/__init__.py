from . import account_move
from . import ir_actions_actions
from . import islebooks_payment_link
from . import islebooks_payment_reminder
from . import res_company
from . import res_config_settings
from . import res_partner
