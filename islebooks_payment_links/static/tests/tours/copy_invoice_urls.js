/** @odoo-module **/

import { registry } from "@web/core/registry";
import { shareSteps, stubShareSheetStep } from "./share_sheet_steps";

const LINK = /\/pay\/[A-Za-z0-9_-]{43}/;

/**
 * Staff select every posted invoice of the list (the test makes two) and use
 * Actions > Copy Invoice URL. Whether the browser grants the clipboard (a
 * notification) or not (the fallback dialog), the text shown must hold one
 * "<invoice name>: <link>" line per invoice. On a device with a share sheet,
 * Share… hands those lines to it and notes the share on each invoice.
 */
registry.category("web_tour.tours").add("islebooks_copy_invoice_urls", {
    url: "/odoo/action-account.action_move_out_invoice_type",
    steps: () => [
        {
            content: "The list shows the two invoices",
            trigger: ".o_list_renderer .o_data_row:nth-child(2) td[name=name]",
        },
        stubShareSheetStep(".o_list_renderer"),
        {
            content: "Select all invoices",
            trigger: "thead .o_list_record_selector input[type=checkbox]",
            run: "click",
        },
        {
            content: "Open the Actions menu",
            trigger: ".o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "Copy Invoice URL",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains(Copy Invoice URL)",
            run: "click",
        },
        {
            content: "The links are shown: notification or fallback dialog",
            trigger: ".o_notification:contains(invoice URLs copied), .o_islebooks_copy_links_text",
            run() {
                const names = [...document.querySelectorAll(".o_data_row td[name=name]")].map(
                    (cell) => cell.textContent.trim()
                );
                const dialog = document.querySelector(".o_islebooks_copy_links_text");
                const text = dialog
                    ? dialog.value
                    : document.querySelector(".o_notification_content").innerText;
                console.log(
                    `islebooks: links shown in the ${dialog ? "fallback dialog" : "notification"}`
                );
                const lines = text.split("\n").filter((line) => line.trim());
                if (names.length !== 2 || lines.length !== 2) {
                    throw new Error(`Expected 2 invoices and 2 lines, got ${names} / ${text}`);
                }
                for (const name of names) {
                    const line = lines.find((line) => line.startsWith(`${name}: `));
                    if (!line || !LINK.test(line)) {
                        throw new Error(`No link line for ${name} in: ${text}`);
                    }
                }
                if (dialog && dialog.selectionEnd - dialog.selectionStart !== dialog.value.length) {
                    throw new Error("The fallback dialog does not select the links");
                }
            },
        },
        ...shareSteps(
            ".o_notification_buttons button:contains(Share…), .modal-footer .o_islebooks_share",
            (data) => {
                const lines = data.text.split("\n");
                if (data.title !== "2 invoices" || lines.length !== 3 || !LINK.test(lines[2])) {
                    throw new Error(`Shared: ${JSON.stringify(data)}`);
                }
            }
        ),
    ],
});
