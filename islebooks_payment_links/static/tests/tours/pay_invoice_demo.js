/** @odoo-module **/

import { registry } from "@web/core/registry";
import { payWithDemoSteps } from "./demo_payment_steps";

/**
 * A customer without an account opens an invoice link, pays it with Odoo's
 * Demo provider (its real inline form, simulated "Successful" state), goes
 * through Odoo's payment status page and lands back on the invoice page,
 * which then reads "Paid" with no Pay button.
 */
registry.category("web_tour.tours").add("islebooks_pay_invoice_demo", {
    steps: () => [
        {
            content: "The invoice page shows the amount due and the payment form",
            trigger: ".o_islebooks_amount_due:contains(321.00)",
        },
        ...payWithDemoSteps(),
        {
            content: "Back on the invoice page, it reads Paid",
            // Odoo's /payment/status page polls, then sends the customer back here.
            trigger: ".o_islebooks_pay_summary .o_islebooks_paid",
            timeout: 30000,
        },
        {
            content: "No Pay button any more",
            trigger: ".o_islebooks_blocker:contains(This invoice is paid.)",
            run() {
                if (document.querySelector('button[name="o_payment_submit_button"]')) {
                    throw new Error("A paid invoice still offers to pay");
                }
            },
        },
    ],
});
