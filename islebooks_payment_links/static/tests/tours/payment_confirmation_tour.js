/** @odoo-module **/

import { registry } from "@web/core/registry";

// A real 2x2 PNG (Pillow output), uploaded through the file input like a customer would.
const PROOF_PNG =
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGPkqjjBwMDAxMDAwMDAAAAO5AFO" +
    "RZ0V2QAAAABJRU5ErkJggg==";

async function attachProof(input) {
    const blob = await (await fetch(`data:image/png;base64,${PROOF_PNG}`)).blob();
    const dataTransfer = new DataTransfer();
    dataTransfer.items.add(new File([blob], "bank-receipt.png", { type: "image/png" }));
    input.files = dataTransfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

const IBAN = "BE71 0961 2345 6769";
const COPY_IBAN = `.o_islebooks_copy[data-copy='${IBAN}']`;

/**
 * Note on the button the first text its label takes after the click: the label
 * goes back to "Copy" two seconds later, so a later step could miss it.
 */
function recordCopyLabel(button) {
    const label = button.querySelector(".o_islebooks_copy_label");
    const observer = new MutationObserver(() => {
        observer.disconnect();
        button.dataset.tourLabel = label.textContent;
    });
    observer.observe(label, { childList: true, characterData: true, subtree: true });
}

/**
 * The button copied `value` to the clipboard, or (no clipboard access, as in
 * the headless test browser) selected it on the page for the customer to copy.
 */
async function checkCopied(button, value) {
    const said = button.dataset.tourLabel;
    let got;
    if (said === "Copied") {
        got = await navigator.clipboard.readText();
    } else if (said === "Selected") {
        got = window.getSelection().toString().trim();
    } else {
        throw new Error(`The copy button said "${said}"`);
    }
    if (got !== value) {
        throw new Error(`"${said}" but got "${got}" instead of "${value}"`);
    }
}

/** Date, reference, proof and send: the same for every page that has the form. */
function submitTransferSteps() {
    return [
        {
            content: "Transfer date: yesterday",
            trigger: ".o_islebooks_confirmation_form input[name='transfer_date']",
            run() {
                const yesterday = new Date(Date.now() - 86400000);
                this.anchor.value = yesterday.toISOString().slice(0, 10);
            },
        },
        {
            content: "Bank reference",
            trigger: ".o_islebooks_confirmation_form input[name='bank_reference']",
            run: "edit TOUR-REF-0001",
        },
        {
            content: "Proof image",
            trigger: ".o_islebooks_confirmation_form input[name='proof']",
            async run() {
                await attachProof(this.anchor);
            },
        },
        {
            content: "Send",
            trigger: ".o_islebooks_confirmation_submit",
            run: "click",
            expectUnloadPage: true,
        },
    ];
}

registry.category("web_tour.tours").add("islebooks_payment_confirmation_customer", {
    steps: () => [
        {
            content: "Bank details with a copy button are shown",
            trigger: `.o_islebooks_bank_details ${COPY_IBAN}`,
        },
        {
            content: "Copy the account number",
            trigger: COPY_IBAN,
            run(actions) {
                recordCopyLabel(this.anchor);
                return actions.click();
            },
        },
        {
            content: "The button said it copied it (or selected it, without clipboard access)",
            trigger: `${COPY_IBAN}[data-tour-label]`,
            async run() {
                await checkCopied(this.anchor, IBAN);
            },
        },
        {
            content: "and says Copy again afterwards",
            trigger: `${COPY_IBAN} .o_islebooks_copy_label:contains(Copy):not(:contains(Copied))`,
        },
        {
            content: "The amount is prefilled with the amount due",
            trigger: ".o_islebooks_confirmation_form input[name='amount']:value(1000.00)",
        },
        {
            content: "Unticking the invoice clears the amount",
            trigger: ".o_islebooks_confirmation_form input[name='invoice_ids']",
            run: "click",
        },
        {
            trigger: ".o_islebooks_confirmation_form input[name='amount']",
            run() {
                if (this.anchor.value !== "") {
                    throw new Error(`Amount should be empty, got ${this.anchor.value}`);
                }
            },
        },
        {
            content: "Ticking it again brings the amount due back",
            trigger: ".o_islebooks_confirmation_form input[name='invoice_ids']",
            run: "click",
        },
        {
            trigger: ".o_islebooks_confirmation_form input[name='amount']:value(1000.00)",
        },
        ...submitTransferSteps(),
        {
            content: "The customer is told it was received",
            trigger: ".o_islebooks_confirmation_received:contains(pending review)",
        },
        {
            content: "and sees its status",
            trigger: ".o_islebooks_confirmation_pending .badge:contains(Pending review)",
        },
    ],
});

registry.category("web_tour.tours").add("islebooks_payment_confirmation_approve", {
    steps: () => [
        {
            content: "Open the confirmation to review",
            trigger:
                ".o_list_renderer .o_data_row td[name='bank_reference']:contains(TOUR-REF-0001)",
            run: "click",
        },
        {
            content: "The proof image is shown inline",
            trigger: ".o_field_widget[name='proof_image'] img",
        },
        {
            content: "Approve",
            trigger: ".o_form_view button[name='action_approve']",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The confirmation is approved",
            trigger: ".o_statusbar_status button[aria-checked='true']:contains(Approved)",
        },
        {
            trigger: ".o_form_view button[name='action_view_payments']",
        },
    ],
});

registry.category("web_tour.tours").add("islebooks_payment_confirmation_portal", {
    steps: () => [
        {
            content: "Both open invoices are offered, ticked, with their total prefilled",
            trigger: ".o_islebooks_confirmation_form input[name='amount']:value(1500.00)",
        },
        {
            trigger: ".o_islebooks_confirmation_form input[name='invoice_ids']:checked:eq(1)",
        },
        ...submitTransferSteps(),
        {
            content: "The customer is told it was received, on the portal",
            trigger: ".o_islebooks_confirmation_received:contains(pending review)",
        },
        {
            trigger: ".o_islebooks_confirmation_pending .badge:contains(Pending review)",
        },
    ],
});
