from . import account_move_line
from . import ir_actions_actions
from . import pos_order_account_link
from . import pos_order_payment_link
from . import pos_session
