from . import controllers
from . import models
from . import wizards
from . import log_filter
from . import report
