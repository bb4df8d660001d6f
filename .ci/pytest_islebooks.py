"""pytest plugin of the test command (loaded with ``-p pytest_islebooks``, .ci on PYTHONPATH):
what pytest-odoo leaves to the project, under Odoo 18 and pytest-xdist alike.

pytest-odoo imports ``odoo.tests`` before it turns Odoo's test mode on, and Odoo logs that
import as an error (with a stack) although nothing is wrong: drop that one record.
"""

import logging
import os
import shutil
import subprocess
import threading
from unittest import mock

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


@pytest.fixture(scope="session", autouse=True)
def islebooks_worker_database(load_registry):
    """Under pytest-xdist, pytest-odoo gives each worker a copy of the database (and its own
    HTTP port) in ``load_registry``, after the first test's setup hook above has run: the
    runner's thread carries the copy's name from then on, not the original's.

    pytest-odoo also points every copy at the original's filestore. Odoo's file garbage
    collector then deletes, from one worker, a file that only another worker's uncommitted
    attachment references (the same content is the same file). Each worker gets a filestore of
    its own instead: hard links to the original's files, which Odoo never rewrites in place.
    """
    import odoo
    from odoo.tests.common import get_db_name

    db_name = get_db_name()
    threading.current_thread().dbname = db_name
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    original = db_name.removesuffix(f"-{worker}") if worker else db_name
    if original == db_name:
        yield
        return
    config = odoo.tools.config
    filestores = os.path.join(config["data_dir"], "filestore")
    own = os.path.join(filestores, db_name)
    shutil.rmtree(own, ignore_errors=True)
    if os.path.isdir(os.path.join(filestores, original)):
        subprocess.run(["cp", "-al", os.path.join(filestores, original), own], check=True)
    with mock.patch.object(config, "filestore", type(config).filestore.__get__(config)):
        yield
    shutil.rmtree(own, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_report_to_serializable(config, report):
    """A worker sends its reports to the controller through execnet, which only carries
    plain values: a ``subTest`` of ``Command`` tuples or dates would fail the test. The
    report's sub-test parameters travel as the text pytest prints for them."""
    data = yield
    context = data.get("_subtest.context") if isinstance(data, dict) else None
    if context and context.get("kwargs"):
        context["kwargs"] = {
            key: value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
            for key, value in context["kwargs"].items()
        }
    return data
