{
    "name": "IsleBooks Payment Links",
    "summary": "Share short, secure links that let customers view, download and pay "
    "their invoices online without an account.",
    "version": "18.0.1.5.0",
    "category": "Accounting/Accounting",
    "author": "IsleBooks",
    "website": "https://islebooks.example",
    "license": "LGPL-3",
    "depends": ["account_payment", "phone_validation"],
    "external_dependencies": {"python": ["num2words", "phonenumbers", "qrcode"]},
    "data": [
        "security/islebooks_payment_links_security.xml",
        "security/ir.model.access.csv",
        "data/ir_actions_server_data.xml",
        "data/ir_cron_data.xml",
        "views/islebooks_payment_link_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "views/payment_link_templates.xml",
        "data/mail_template_data.xml",
        "views/islebooks_whatsapp_template_views.xml",
        "data/ir_actions_server_whatsapp_data.xml",
        "views/res_partner_views.xml",
        "wizards/islebooks_whatsapp_send_views.xml",
        "views/islebooks_payment_confirmation_views.xml",
        "wizards/islebooks_payment_confirmation_reject_views.xml",
        "views/payment_link_portal_templates.xml",
        "views/payment_confirmation_templates.xml",
        "views/mail_payment_link_templates.xml",
        "views/report_invoice_templates.xml",
        "views/payment_link_security_templates.xml",
        "wizards/islebooks_payment_link_wizard_views.xml",
        "report/report_partner_statement_templates.xml",
        "data/mail_template_reminder_data.xml",
        "data/islebooks_whatsapp_template_data.xml",
        "views/islebooks_payment_reminder_views.xml",
    ],
    "demo": [
        "demo/islebooks_payment_links_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "islebooks_payment_links/static/src/js/share_payment_links.js",
            "islebooks_payment_links/static/src/js/copy_payment_links_action.js",
            "islebooks_payment_links/static/src/xml/copy_payment_links_dialog.xml",
            "islebooks_payment_links/static/src/list_context_menu/*",
            "islebooks_payment_links/static/src/payment_link_field/*",
        ],
        # The customer pages' two sheets (below) compile with the same helpers and
        # variables (the website's theme, Bootstrap's own), as Odoo's frontend
        # bundle does before Bootstrap.
        "islebooks_payment_links._assets_pay_variables": [
            ("include", "web._assets_helpers"),
            ("include", "web._assets_frontend_helpers"),
            "web/static/src/scss/pre_variables.scss",
            "web/static/lib/bootstrap/scss/_variables.scss",
            "web/static/lib/bootstrap/scss/_variables-dark.scss",
            "web/static/lib/bootstrap/scss/_maps.scss",
        ],
        # The customer pages' own bundles (views/payment_link_templates.xml,
        # payment_link_layout): styles, Bootstrap compiled with the website's theme
        # variables (its colours and fonts, customised or not: the website's
        # customisations replace files of web._assets_primary_variables, included
        # here) as Odoo's frontend bundle compiles it, without the website
        # builder's, the shop's or the chat's styles, in two sheets: the first
        # screen's (header, invoice, amount, Download) in the page's head...
        "islebooks_payment_links.assets_pay_first": [
            ("include", "islebooks_payment_links._assets_pay_variables"),
            # web._assets_bootstrap_frontend, with the components the first screen
            # uses, for the phone (pay_bootstrap_first.scss, pay_utilities_first.scss).
            "islebooks_payment_links/static/src/scss/pay_bootstrap_first.scss",
            "web/static/src/scss/utilities_custom.scss",
            "islebooks_payment_links/static/src/scss/pay_utilities_first.scss",
            "islebooks_payment_links/static/src/scss/payment_page.scss",
        ],
        # ...the rest (forms, tables, Odoo's payment form, its dialogs, Font
        # Awesome) at the end of the body, drawn as it arrives, with Odoo's
        # reviews of Bootstrap and the pages' own rules again after their components.
        "islebooks_payment_links.assets_pay": [
            ("include", "islebooks_payment_links._assets_pay_variables"),
            "islebooks_payment_links/static/src/scss/pay_bootstrap.scss",
            "web/static/src/scss/utilities_custom.scss",
            "islebooks_payment_links/static/src/scss/pay_utilities.scss",
            "web/static/src/scss/bootstrap_review.scss",
            "web/static/src/scss/bootstrap_review_frontend.scss",
            "web/static/src/libs/fontawesome/css/font-awesome.css",
            "web/static/src/core/utils/transitions.scss",
            "web/static/src/core/dialog/*.scss",
            "web/static/src/core/notifications/*.scss",
            "payment/static/src/scss/payment_form.scss",
            "islebooks_payment_links/static/src/scss/payment_page.scss",
        ],
        # ...and deferred scripts where a payment form is shown: Odoo's frontend
        # scripts (where every payment provider adds its form) narrowed to what the
        # payment form and the providers' forms import (models/ir_asset.py),
        # started by a public root of their own.
        "islebooks_payment_links.assets_pay_js": [
            ("include", "web.assets_frontend"),
            "islebooks_payment_links/static/src/js/pay_root.js",
        ],
        # The pages' own behaviour, plain JavaScript (copy buttons, the portal's
        # selection): on every customer page, without Odoo's framework.
        "islebooks_payment_links.assets_pay_page_js": [
            "islebooks_payment_links/static/src/js/pay_page.js",
        ],
        "islebooks_payment_links.assets_pay_js_tests": [
            ("include", "islebooks_payment_links.assets_pay_js"),
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
