from . import controllers
from . import models
from . import log_filter
