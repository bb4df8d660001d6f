/** @odoo-module **/

/**
 * Paying on Odoo's payment form with the Demo provider, as a customer does:
 * its real inline form in its simulated "Successful" state. The step after
 * these is on the page Odoo's payment status page sends the customer back to.
 */
export function payWithDemoSteps() {
    return [
        {
            content: "Choose the Demo payment method",
            trigger: 'input[name="o_payment_radio"][data-payment-method-code="demo"]',
            run: "click",
        },
        {
            content: "Enter a card number in the Demo form",
            trigger: 'input[name="customer_input"]',
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: 'button[name="o_payment_submit_button"]:enabled',
            run: "click",
            expectUnloadPage: true,
        },
    ];
}
