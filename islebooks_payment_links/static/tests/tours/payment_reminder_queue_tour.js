/** @odoo-module **/

import { registry } from "@web/core/registry";
import { captureOpenedUrl, checkWhatsappUrl, releaseOpenedUrl } from "./opened_url";

// The customers the Python test queues (see test_payment_reminders.py).
const WHATSAPP = "Tour Reminder Hawwa";
const EMAIL = "Tour Reminder Eman";
const SKIPPED = "Tour Reminder Sami";
// Also queued, left to do: the search for "Tour Reminder" must take it off the list.
const OTHER = "Lagoon Supplies";
const DIGITS = "9607771234";

function checkOpenedUrl() {
    checkWhatsappUrl(WHATSAPP, DIGITS);
    releaseOpenedUrl();
}

const line = (name) => `.o_data_row:contains(${name})`;
const row = (name) => `.o_list_renderer ${line(name)}`;

registry.category("web_tour.tours").add("islebooks_payment_reminder_queue_tour", {
    url: "/odoo/action-islebooks_payment_links.islebooks_payment_reminder_action_open_queue",
    steps: () => [
        {
            content: "The queue lists what is to do today, per customer and channel",
            trigger: `${row(WHATSAPP)}:contains(WhatsApp) button[name=action_open_whatsapp]`,
        },
        {
            content: "Open WhatsApp for the WhatsApp customer",
            trigger: `${row(WHATSAPP)} button[name=action_open_whatsapp]`,
            run(actions) {
                captureOpenedUrl();
                return actions.click();
            },
        },
        {
            content: "WhatsApp opens with the customer's number, the message and the link",
            trigger: "body[data-opened-url]",
            run: checkOpenedUrl,
        },
        {
            content: "Send the email reminder now",
            trigger: `${row(EMAIL)} button[name=action_send_now]`,
            run: "click",
        },
        {
            content: "The email line is done: it leaves the queue",
            trigger: `.o_list_renderer:not(:has(${line(EMAIL)}))`,
        },
        {
            content: "Skip the third customer",
            trigger: `${row(SKIPPED)} button[name=action_skip]`,
            run: "click",
        },
        {
            content: "The skipped line leaves the queue",
            trigger: `.o_list_renderer:not(:has(${line(SKIPPED)}))`,
        },
        {
            content: "The customer nobody handled is still to do",
            trigger: row(OTHER),
        },
        {
            content: "Search the queue for the tour's customers (a fresh load from the server)",
            trigger: ".o_searchview_input",
            run: "edit Tour Reminder && press Enter",
        },
        {
            trigger: ".o_searchview_facet:contains(Tour Reminder)",
        },
        {
            content: "The other customer's line is filtered out, and the done lines are not listed",
            trigger: ".o_view_nocontent, .o_list_renderer:not(:has(.o_data_row))",
        },
    ],
});
