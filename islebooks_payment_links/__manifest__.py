{
    "name": "IsleBooks Payment Links",
    "summary": "Share short, secure links that let customers view, download and pay "
    "their invoices online without an account.",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "author": "IsleBooks",
    "website": "https://islebooks.example",
    "license": "LGPL-3",
    "depends": ["account_payment"],
    "external_dependencies": {"python": ["phonenumbers", "qrcode", "num2words"]},
    "data": [
        "security/islebooks_payment_links_security.xml",
        "security/ir.model.access.csv",
        "data/ir_actions_server_data.xml",
        "views/islebooks_payment_link_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "views/payment_link_templates.xml",
        "views/payment_link_portal_templates.xml",
        "views/res_partner_views.xml",
        "wizards/islebooks_payment_link_wizard_views.xml",
        "report/report_partner_statement_templates.xml",
    ],
    "demo": [
        "demo/islebooks_payment_links_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "islebooks_payment_links/static/src/js/copy_payment_links_action.js",
            "islebooks_payment_links/static/src/xml/copy_payment_links_dialog.xml",
        ],
        "web.assets_frontend": [
            "islebooks_payment_links/static/src/scss/payment_page.scss",
            "islebooks_payment_links/static/src/js/portal_selection.js",
        ],
        "web.assets_tests": [
            "islebooks_payment_links/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
