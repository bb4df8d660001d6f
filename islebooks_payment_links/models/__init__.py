from . import islebooks_payment_link
from . import account_move
from . import res_company
from . import res_config_settings
from . import islebooks_payment_link_throttle
from . import ir_http
from . import res_partner
from . import base_partner_merge_automatic_wizard
