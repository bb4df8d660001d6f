"""pytest plugin of the test command (loaded with ``-p pytest_islebooks``, .ci on PYTHONPATH).

pytest-odoo imports ``odoo.tests`` before it turns Odoo's test mode on, and Odoo logs that
import as an error (with a stack) although nothing is wrong: drop that one record.
"""

import logging
import threading

import pytest


class _DropTestFrameworkImportError(logging.Filter):
    def filter(self, record):
        return not record.getMessage().startswith("Importing test framework, avoid importing")


logging.getLogger("odoo.tests.common").addFilter(_DropTestFrameworkImportError())


# Odoo's own suite runner names the running test in ``odoo.modules.module.current_test``;
# pytest-odoo does so only from Odoo 19 on. Without it, HttpCase cannot tell a request of the
# running test from a late one of the previous test's browser, which then takes the test
# cursor's lock and stalls the next tour. The runner's thread also carries the database name,
# which Odoo reads to build its routing map (``ir.http.routing_map``).
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    from odoo.modules import module
    from odoo.tests.common import get_db_name

    module.current_test = getattr(item, "instance", None) or False
    threading.current_thread().dbname = get_db_name()
    # Odoo reads every addon's manifest (``ast.literal_eval``) on the first static file it
    # serves. Done by the server's threads at once, CPython 3.11's parser can fail with
    # "AST constructor recursion depth mismatch" (python/cpython#106905): read them here,
    # in this one thread, before any browser asks.
    from odoo.http import root

    root.statics  # noqa: B018 (a cached property, computed once)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    from odoo.modules import module

    module.current_test = False
