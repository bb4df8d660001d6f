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
        "data/mail_template_data.xml",
        "data/ir_actions_server_whatsapp_data.xml",
        "views/res_partner_views.xml",
        "wizards/islebooks_whatsapp_send_views.xml",
        "views/islebooks_payment_confirmation_views.xml",
        "wizards/islebooks_payment_confirmation_reject_views.xml",
        "views/payment_confirmation_templates.xml",
        "views/mail_payment_link_templates.xml",
        "views/report_invoice_templates.xml",
        "views/payment_link_security_templates.xml",
    ],
    "demo": [
        "demo/islebooks_payment_links_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "islebooks_payment_links/static/src/js/copy_payment_links_action.js",
            "islebooks_payment_links/static/src/xml/copy_payment_links_dialog.xml",
            "islebooks_payment_links/static/src/list_context_menu/*",
        ],
        "web.assets_frontend": [
            "islebooks_payment_links/static/src/scss/payment_page.scss",
            "islebooks_payment_links/static/src/js/payment_confirmation_form.js",
        ],
        "web.assets_tests": [
            "islebooks_payment_links/static/tests/tours/*.js",
        ],
        "web.assets_unit_tests": [
            "islebooks_payment_links/static/tests/*.test.js",
        ],
    },
    "installable": True,
    "application": False,
}
