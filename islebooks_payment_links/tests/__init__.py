from . import test_whatsapp_number
from . import test_whatsapp_send
from . import test_whatsapp_tour
