from . import test_portal_http
from . import test_portal_tour
from . import test_portal_wizard
from . import test_portal_queries
