{
    "name": "IsleBooks Payment Links: SMS",
    "summary": "Send payment links by SMS through Odoo's SMS module: invoices, the customer's "
    "portal link and payment reminders.",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "author": "IsleBooks",
    "website": "https://islebooks.example",
    "license": "LGPL-3",
    "depends": ["islebooks_payment_links", "sms"],
    "data": [
        "security/ir.model.access.csv",
        "security/islebooks_payment_links_sms_security.xml",
        "data/sms_template_data.xml",
        "data/ir_actions_server_data.xml",
        "wizards/islebooks_sms_send_views.xml",
        "views/islebooks_payment_link_wizard_views.xml",
        "views/islebooks_payment_reminder_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "installable": True,
    "auto_install": True,
    "application": False,
}
