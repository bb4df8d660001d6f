{
    "name": "IsleBooks Payment Links - Point of Sale",
    "summary": "The customer's account link on Point of Sale receipts, WhatsApp from the till, "
    "payment links from Point of Sale orders.",
    "version": "18.0.1.0.0",
    "category": "Sales/Point of Sale",
    "author": "IsleBooks",
    "website": "https://islebooks.example",
    "license": "LGPL-3",
    "depends": ["islebooks_payment_links", "point_of_sale"],
    "data": [
        "data/ir_actions_server_data.xml",
    ],
    "assets": {
        "point_of_sale._assets_pos": [
            "islebooks_payment_links_pos/static/src/app/**/*",
        ],
        "web.assets_tests": [
            "islebooks_payment_links_pos/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "auto_install": True,
}
