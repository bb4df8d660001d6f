from . import test_security
from . import test_concurrency
from . import test_lifecycle_data
