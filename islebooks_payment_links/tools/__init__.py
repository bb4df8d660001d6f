from . import parsing
from . import phone
from . import whatsapp
