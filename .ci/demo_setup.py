# Run by .ci/serve inside `odoo shell`: makes the demo database ready to try the
# addon (payment methods and bank account first, as the README advises). Idempotent.
import os

import phonenumbers

company = env.company  # noqa: F821 (provided by odoo shell)
env = env  # noqa: F821
env["ir.config_parameter"].sudo().set_param("web.base.url", os.environ["ISLEBOOKS_BASE_URL"])
env["ir.config_parameter"].sudo().set_param("web.base.url.freeze", "True")

bank_journal = env["account.journal"].search(
    [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
)
if not bank_journal.bank_account_id:
    bank_journal.bank_account_id = env["res.partner.bank"].create(
        {
            "acc_number": "7730000123456",
            "partner_id": company.partner_id.id,
            "bank_id": env["res.bank"].create({"name": "Bank of the Isles", "bic": "ISLEMVMV"}).id,
            "allow_out_payment": True,
        }
    )

for xmlid in ("payment.payment_provider_demo", "payment.payment_provider_transfer"):
    provider = env.ref(xmlid)
    if provider.state == "disabled":
        provider.write(
            {"state": "test" if provider.code == "demo" else "enabled", "is_published": True}
        )

customers = env["res.partner"].search([("customer_rank", ">", 0), ("is_company", "=", True)])
# libphonenumber's own example mobiles: valid by construction.
numbers = [
    phonenumbers.format_number(
        phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE),
        phonenumbers.PhoneNumberFormat.E164,
    )
    for region in ("MV", "GB", "US", "IN")
]
if "whatsapp" in env["res.partner"]._fields:
    for partner, number in zip(customers, numbers, strict=False):
        if not partner.whatsapp:
            partner.whatsapp = number

# Show every customer-facing feature in the demo.
company.write(
    {
        "payment_confirmation_enabled": True,
        "payment_confirmation_journal_id": bank_journal.id,
        "payment_link_amount_in_words": True,
    }
)

invoices = env["account.move"].search(
    [("move_type", "in", ("out_invoice", "out_refund")), ("state", "=", "posted")]
)
links = invoices._get_payment_links()
env.cr.commit()
unpaid = invoices.filtered(lambda m: m.payment_state == "not_paid" and m.move_type == "out_invoice")
for move in unpaid[:3]:
    print(f"  {move.name} ({move.partner_id.name}): {move.payment_link_id.url}")
print(f"  {len(links)} invoice payment links ready.")
if customers:
    portal = customers[:1]._get_portal_payment_links()
    env.cr.commit()
    print(f"  Customer portal of {customers[:1].name}: {portal.url}")
