from . import formatting
from . import parsing
from . import phone
from . import qr
from . import whatsapp
