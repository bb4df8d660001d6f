from . import islebooks_whatsapp_send
from . import islebooks_whatsapp_send_line
from . import islebooks_payment_confirmation_reject
