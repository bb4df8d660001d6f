/** @odoo-module **/

import { registry } from "@web/core/registry";
import { payWithDemoSteps } from "./demo_payment_steps";

/**
 * A customer opens the link of an invoice with an early-payment discount
 * (1,000.00, 2% if paid within 7 days), pays the discounted 980.00 with the
 * Demo provider and lands back on the page, which shows the receipt and its
 * Download receipt link.
 */
registry.category("web_tour.tours").add("islebooks_pay_discounted_invoice", {
    steps: () => [
        {
            content: "The page offers the early-payment discount",
            trigger: ".o_islebooks_epd_message:contains(if paid within 7 days)",
        },
        {
            content: "Pay asks the discounted amount",
            trigger: "#o_payment_form[data-amount='980.0']",
        },
        ...payWithDemoSteps(),
        {
            content: "Back on the page: the receipt of the payment",
            trigger: ".o_islebooks_receipt .o_islebooks_receipt_amount:contains(980.00)",
            timeout: 30000,
        },
        {
            content: "The invoice is settled",
            trigger: ".o_islebooks_receipt_remaining:contains(0.00)",
        },
        {
            content: "Download receipt is offered",
            trigger: "a.o_islebooks_download_receipt[href*='/receipt/']",
        },
    ],
});
