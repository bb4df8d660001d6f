from . import islebooks_whatsapp_send
from . import islebooks_whatsapp_send_line
from . import islebooks_payment_confirmation_reject
from . import islebooks_payment_link_wizard
from . import base_partner_merge_automatic_wizard
