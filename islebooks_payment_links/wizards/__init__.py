from . import islebooks_whatsapp_send
from . import islebooks_whatsapp_send_line
