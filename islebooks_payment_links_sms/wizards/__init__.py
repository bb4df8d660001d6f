from . import islebooks_sms_send
from . import islebooks_sms_send_line
