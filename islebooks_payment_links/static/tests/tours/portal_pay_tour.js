/** @odoo-module **/

import { registry } from "@web/core/registry";
import { payWithDemoSteps } from "./demo_payment_steps";
import { shareSteps, stubShareSheetStep } from "./share_sheet_steps";

const LINK = /\/pay\/[A-Za-z0-9_-]{43}/;
const INTRO =
    "The customer's own portal link: all their invoices, to view, download and pay, without an account.";

/**
 * Staff open the customer, use Actions > Generate Payment Link (the words of
 * the product's guide) and get the portal link in a dialog (with its QR code)
 * that says what the link is, readable: the whole link and name, no empty
 * rows, a Copy button with a name; on a device with a share sheet, Share…
 * hands the link to it and notes the share on the customer.
 */
registry.category("web_tour.tours").add("islebooks_generate_portal_link", {
    steps: () => [
        stubShareSheetStep(".o_form_view"),
        {
            content: "Open the Actions menu of the customer",
            trigger: ".o_form_view .o_cp_action_menus button",
            run: "click",
        },
        {
            content: "Generate Payment Link",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains(Generate Payment Link)",
            run: "click",
        },
        {
            content: "The dialog is titled Generate Payment Link and says what the link is",
            trigger: ".modal .o_islebooks_portal_link_intro",
            run() {
                const title = document.querySelector(".modal .modal-title").textContent.trim();
                if (title !== "Generate Payment Link") {
                    throw new Error(`The dialog is titled ${title}`);
                }
                const intro = this.anchor.textContent.replace(/\s+/g, " ").trim();
                if (intro !== INTRO) {
                    throw new Error(`The dialog says: ${intro}`);
                }
            },
        },
        {
            content: "The dialog shows the portal link, its QR code and the actions",
            trigger: ".modal .o_islebooks_payment_link_wizard_lines .o_data_row",
            run() {
                const row = document.querySelector(
                    ".modal .o_islebooks_payment_link_wizard_lines .o_data_row"
                );
                if (!LINK.test(row.querySelector(".o_islebooks_portal_url").textContent)) {
                    throw new Error(`No portal link in ${row.textContent}`);
                }
                if (!row.querySelector("td[name=qr_code] img")) {
                    throw new Error("No QR code shown");
                }
                for (const name of ["action_regenerate", "action_revoke"]) {
                    if (!row.querySelector(`button[name=${name}]`)) {
                        throw new Error(`No ${name} button`);
                    }
                }
                const table = row.closest("table");
                if (table.querySelectorAll("tbody tr:not(.o_data_row)").length) {
                    throw new Error("Empty rows pad the dialog");
                }
                for (const name of ["partner_id", "url"]) {
                    const cell = row.querySelector(`td[name=${name}]`);
                    const cut = [cell, ...cell.querySelectorAll("*")].find(
                        (el) => el.scrollWidth > el.clientWidth + 1
                    );
                    if (cut) {
                        throw new Error(`The ${name} cell cuts its text: ${cut.textContent}`);
                    }
                }
                const copy = row.querySelector("td[name=url] button.o_islebooks_link_copy");
                if (copy?.getAttribute("aria-label") !== "Copy link" || !copy.title) {
                    throw new Error("The Copy button has no accessible name");
                }
            },
        },
        ...shareSteps(".modal .o_data_row .o_islebooks_link_share:contains(Share…)", (data) => {
            if (!LINK.test(data.url) || !data.text.includes("view, download and pay them online")) {
                throw new Error(`Shared: ${JSON.stringify(data)}`);
            }
        }),
        {
            content: "Close the dialog",
            trigger: ".modal-footer button:contains(Done)",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});

/**
 * The customer opens the portal link (no account), ticks two invoices, sees
 * the total, pays both in one payment with the Demo provider and comes back to
 * the portal: nothing left to pay, both are in the paid history.
 */
registry.category("web_tour.tours").add("islebooks_portal_pay_two", {
    steps: () => [
        {
            content: "Two unpaid invoices are listed",
            trigger: ".o_islebooks_unpaid_row:nth-child(2)",
        },
        {
            content: "Tick the first invoice",
            trigger: ".o_islebooks_unpaid_row:nth-child(1) .o_islebooks_select",
            run: "click",
        },
        {
            content: "Tick the second invoice",
            trigger: ".o_islebooks_unpaid_row:nth-child(2) .o_islebooks_select",
            run: "click",
        },
        {
            content: "The total of the selection is shown",
            trigger: ".o_islebooks_selection_total:not(.d-none):contains(300.00)",
        },
        {
            content: "Pay the selection",
            trigger: ".o_islebooks_pay_selected:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The checkout shows both invoices and their total",
            trigger: ".o_islebooks_checkout_total:contains(300.00)",
        },
        ...payWithDemoSteps(),
        {
            content: "Back on the portal: nothing left to pay",
            trigger: ".o_islebooks_no_unpaid",
            timeout: 30000,
        },
        {
            content: "Both invoices are in the paid history, marked Paid",
            trigger: ".o_islebooks_paid_row:nth-child(2) .o_islebooks_paid",
            run() {
                const rows = document.querySelectorAll(".o_islebooks_paid_row .o_islebooks_paid");
                if (rows.length !== 2) {
                    throw new Error(`Expected 2 paid invoices, got ${rows.length}`);
                }
            },
        },
    ],
});
