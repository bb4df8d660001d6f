from . import test_portal_http
