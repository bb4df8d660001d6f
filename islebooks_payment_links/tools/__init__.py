from . import formatting
from . import locks
from . import parsing
from . import phone
from . import qr
from . import whatsapp
