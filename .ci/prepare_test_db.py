#!/usr/bin/env python3
"""Build, once and committed, what every test would otherwise build again in its own
rolled-back transaction, in the database the test workers copy:

- the asset bundles the tests' pages load. Odoo builds a bundle (concatenated, minified JS;
  compiled SCSS) the first time a page asks for it and stores it as an attachment: without this
  every browser test builds the same bundles again, seconds each. A test that changes what a
  bundle holds still gets a fresh one, since the attachment's URL carries the bundle's version;
- the accounting test company. Odoo's accounting test base (``AccountTestInvoicingCommon``)
  creates a company and loads its chart of accounts in every test class's ``setUpClass``;
  ``PaymentLinksCommon.setup_independent_company`` takes this one instead, built the same way
  and never committed to by a test, so each class still starts from the same fresh company.

    .ci/prepare_test_db.py -c ODOO_RC -d DB
"""

import argparse

import odoo
from odoo import SUPERUSER_ID, api

# (bundle, built for the website's pages): the bundles the addon's pages, the web client and
# Odoo's tour and unit-test runners load (the tests' browsers ask for no other); a bundle of a
# module the database does not have is skipped.
BUNDLES = (
    ("web.assets_web", False),
    ("web.assets_web_print", False),
    ("bus.websocket_worker_assets", False),
    ("web.assets_tests", False),
    ("web.__assets_tests_call__", False),
    ("web.assets_unit_tests_setup", False),
    ("web.assets_unit_tests", False),
    ("web.assets_frontend", True),
    ("web.assets_frontend_minimal", True),
    ("web.assets_frontend_lazy", True),
    ("web.assets_tests", True),
    ("web.__assets_tests_call__", True),
    # The Point of Sale's page (/pos/ui), where the POS glue addon's tour runs: built on
    # the first visit, ~20 s of a test's time otherwise.
    ("point_of_sale.assets_prod", False),
)
# Where tests/common.py finds the prepared company.
TEST_COMPANY_XMLID = "__islebooks_tests__.company_1_data"


def build_assets(env):
    website = env["website"].search([], limit=1) if "website" in env else None
    built = 0
    installed = set(env["ir.module.module"].search([("state", "=", "installed")]).mapped("name"))
    for name, on_website in BUNDLES:
        if name.split(".")[0] not in installed:
            continue
        params = env["ir.asset"]._get_asset_params()
        if "website_id" in params:
            params["website_id"] = website.id if on_website else False
        elif on_website:
            continue
        bundle = env["ir.qweb"]._get_asset_bundle(name, assets_params=params)
        if bundle.javascripts:
            bundle.js()
            built += 1
        if bundle.stylesheets:
            bundle.css()
            built += 1
    return built


def add_warehouse(env, company):
    """What ``stock`` adds to a company a test creates (its ``res.company.create`` makes a
    warehouse in test mode only): Odoo's stock and Point of Sale test bases expect one. Also
    for a company prepared before ``stock`` was installed."""
    if "stock.warehouse" in env and not env["stock.warehouse"].search_count(
        [("company_id", "=", company.id)]
    ):
        env["stock.warehouse"].create({"company_id": company.id})


def build_test_company(env):
    """What ``AccountTestInvoicingCommon.setup_independent_company`` builds, without a
    country or chart of its own: ``company_1_data`` with the guessed (generic) chart."""
    existing = env.ref(TEST_COMPANY_XMLID, raise_if_not_found=False)
    if existing:
        add_warehouse(env, existing)
        return
    company = env["res.company"].create({"name": "company_1_data"})
    chart = env["account.chart.template"]._guess_chart_template(company.country_id)
    env["account.chart.template"].try_loading(chart, company=company, install_demo=False)
    if not company.account_fiscal_country_id:
        company.account_fiscal_country_id = env.ref("base.us")
    add_warehouse(env, company)
    module, name = TEST_COMPANY_XMLID.split(".")
    env["ir.model.data"].create(
        {"module": module, "name": name, "model": "res.company", "res_id": company.id}
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        built = build_assets(env)
        build_test_company(env)
    print(f"'{args.database}': {built} asset bundles and the accounting test company ready")


if __name__ == "__main__":
    main()
