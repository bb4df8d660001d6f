from . import test_portal_http
from . import test_portal_tour
