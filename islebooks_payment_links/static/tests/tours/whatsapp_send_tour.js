/** @odoo-module **/

import { registry } from "@web/core/registry";
import { captureOpenedUrl, checkWhatsappUrl, releaseOpenedUrl } from "./opened_url";

// The customer, number and chatter note the Python test sets up and expects.
const CUSTOMER = "Tour Customer Hawwa";
const DIGITS = "9607771234";
const CHATTER = "WhatsApp message opened for +960 777-1234";

function checkOpenedUrl() {
    document.body.dataset.openedText = checkWhatsappUrl(CUSTOMER, DIGITS);
}

function checkTextHasLink() {
    const link = document
        .querySelector("div[name=payment_link_url] .o_islebooks_link_text")
        .textContent.trim();
    if (!link.includes("/pay/") || !document.body.dataset.openedText.includes(link)) {
        throw new Error(`The message does not contain the invoice's link ${link}`);
    }
}

const openActionsMenu = {
    content: "Open the Actions menu",
    trigger: ".o_cp_action_menus button:has(.fa-cog)",
    run: "click",
};

function sendViaWhatsapp() {
    return [
        openActionsMenu,
        {
            content: "Send via WhatsApp",
            trigger: ".o-dropdown--menu .dropdown-item:contains(Send via WhatsApp)",
            run(actions) {
                captureOpenedUrl();
                return actions.click();
            },
        },
        {
            content: "WhatsApp opens with the customer's number and a message",
            trigger: "body[data-opened-url]",
            run: checkOpenedUrl,
        },
    ];
}

registry.category("web_tour.tours").add("islebooks_whatsapp_send_tour", {
    url: "/odoo/action-account.action_move_out_invoice_type",
    steps: () => [
        {
            content: "Select the customer's invoice",
            trigger: `.o_data_row:contains(${CUSTOMER}) .o_list_record_selector input`,
            run: "click",
        },
        ...sendViaWhatsapp(),
        {
            content: "Open the invoice",
            trigger: `.o_data_row:contains(${CUSTOMER}) td[name=invoice_partner_display_name]`,
            run: "click",
        },
        {
            content: "The sending is in the chatter",
            trigger: `.o-mail-Message:contains(${CHATTER})`,
        },
        {
            content: "Open the Payment Link tab",
            trigger: ".o_notebook a[name=payment_link]",
            run: "click",
        },
        {
            content: "The message carries the invoice's payment link",
            trigger: "div[name=payment_link_url] .o_islebooks_link_text:contains(/pay/)",
            run: checkTextHasLink,
        },
        // The same action from the invoice form.
        ...sendViaWhatsapp(),
        {
            content: "The message carries the same link",
            trigger: "div[name=payment_link_url] .o_islebooks_link_text:contains(/pay/)",
            run() {
                checkTextHasLink();
                releaseOpenedUrl();
            },
        },
    ],
});

registry.category("web_tour.tours").add("islebooks_whatsapp_partner_tour", {
    url: "/odoo/action-account.res_partner_action_customer/new",
    steps: () => [
        {
            content: "Name the contact",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour Keeper Contact",
        },
        {
            content: "Type an invalid WhatsApp number",
            trigger: ".o_field_widget[name=whatsapp] input",
            run: "edit 12 AB",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "A clear message names the contact and the problem",
            trigger: ".modal:contains(Tour Keeper Contact):contains(contains letters)",
        },
        {
            content: "Close the message",
            trigger: ".modal .btn-primary",
            run: "click",
        },
        {
            content: "Nothing typed is lost",
            trigger: ".o_field_widget[name=name] input:value(Tour Keeper Contact)",
        },
        {
            content: "Type a valid number with its country code",
            trigger: ".o_field_widget[name=whatsapp] input",
            run: "edit +960 777 4321",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The number is stored normalized",
            trigger: ".o_form_saved .o_field_widget[name=whatsapp] input:value(+9607774321)",
        },
    ],
});

registry.category("web_tour.tours").add("islebooks_whatsapp_wizard_tour", {
    url: "/odoo/action-account.action_move_out_invoice_type",
    steps: () => [
        {
            content: "Select the first customer's invoice",
            trigger: `.o_data_row:contains(${CUSTOMER}) .o_list_record_selector input`,
            run: "click",
        },
        {
            content: "Select the second customer's invoice",
            trigger: ".o_data_row:contains(Tour Customer Ravi) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Select the invoice of the customer without a number",
            trigger: ".o_data_row:contains(Tour Customer Nonumber) .o_list_record_selector input",
            run: "click",
        },
        openActionsMenu,
        {
            content: "Send via WhatsApp",
            trigger: ".o-dropdown--menu .dropdown-item:contains(Send via WhatsApp)",
            run: "click",
        },
        {
            content: "The customer without a number is listed with the reason",
            trigger:
                ".modal .o_data_row:contains(Tour Customer Nonumber)" +
                ":contains(has no WhatsApp number) button[name=action_open_contact]",
        },
        {
            content: "Open WhatsApp for the first customer",
            trigger: `.modal .o_data_row:contains(${CUSTOMER}) button[name=action_open_whatsapp]`,
            run(actions) {
                captureOpenedUrl();
                return actions.click();
            },
        },
        {
            content: "WhatsApp opens with that customer's number and message",
            trigger: "body[data-opened-url]",
            run: checkOpenedUrl,
        },
        {
            content: "The wizard stays open and shows the line as opened",
            trigger: `.modal .o_data_row:contains(${CUSTOMER}) td[name=opened] input:checked`,
        },
        {
            content: "Open WhatsApp for the second customer",
            trigger:
                ".modal .o_data_row:contains(Tour Customer Ravi) button[name=action_open_whatsapp]",
            run(actions) {
                captureOpenedUrl();
                return actions.click();
            },
        },
        {
            content: "WhatsApp opens with the second customer's number",
            trigger: "body[data-opened-url]",
            run() {
                const url = new URL(document.body.dataset.openedUrl);
                if (url.pathname !== "/919876543210") {
                    throw new Error(`Unexpected WhatsApp URL: ${url}`);
                }
                releaseOpenedUrl();
            },
        },
        {
            content: "Close the wizard",
            trigger: ".modal .modal-footer button:contains(Close)",
            run: "click",
        },
        {
            content: "Back on the list",
            trigger: "body:not(:has(.modal)) .o_list_view",
        },
    ],
});
