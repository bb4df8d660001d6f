/** @odoo-module **/

import { registry } from "@web/core/registry";

const ROW = ".o_list_view .o_data_row:contains('Context Menu Customer')";
const MENU = ".o_islebooks_context_menu";
const NO_MENU = `body:not(:has(${MENU}))`;
// The browser may refuse the clipboard in a headless run: then the link is
// shown in a dialog instead of a notification. Both show the /pay/ link.
const COPIED = [".o_notification:contains('/pay/')", ".modal .o_islebooks_copy_links_text"].join(
    ", "
);

function rightClick(element, { shiftKey = false } = {}) {
    const rect = element.getBoundingClientRect();
    const event = new MouseEvent("contextmenu", {
        bubbles: true,
        cancelable: true,
        shiftKey,
        button: 2,
        clientX: rect.left + 20,
        clientY: rect.top + rect.height / 2,
    });
    element.dispatchEvent(event);
    return event;
}

function closeCopyResult() {
    return {
        content: "Close the copy result",
        trigger: `${COPIED}`,
        run() {
            document.querySelector(".modal .modal-footer .btn-primary")?.click();
            document.querySelector(".o_notification .o_notification_close")?.click();
        },
    };
}

registry.category("web_tour.tours").add("islebooks_list_context_menu", {
    url: "/odoo/action-account.action_move_out_invoice_type",
    steps: () => [
        {
            content: "Shift + right-click keeps the browser's own menu",
            trigger: `${ROW}:first td.o_data_cell:last`,
            run() {
                const event = rightClick(this.anchor, { shiftKey: true });
                if (event.defaultPrevented) {
                    throw new Error("Shift + right-click must not be taken over");
                }
            },
        },
        {
            content: "No menu was opened",
            trigger: NO_MENU,
        },
        {
            content: "Right-click an invoice row",
            trigger: `${ROW}:first td.o_data_cell:last`,
            run() {
                if (!rightClick(this.anchor).defaultPrevented) {
                    throw new Error("Right-click on a row must open the addon's menu");
                }
            },
        },
        {
            content: "The menu takes the focus, on its first action",
            trigger: `${MENU}[role=menu] [role=menuitem]:first:focus`,
        },
        {
            // Odoo's Send & Print is not; Send by SMS is where the SMS glue addon is installed.
            content: "Only the addon's actions are offered",
            trigger: `${MENU}:has([role=menuitem]:contains('Copy Invoice URL')):not(:has([role=menuitem]:contains('Send'):not(:contains('WhatsApp')):not(:contains('SMS')))):not(:has([role=menuitem]:contains('Open link')))`,
        },
        {
            content: "Escape closes the menu",
            trigger: `${MENU} [role=menuitem]:first`,
            run() {
                this.anchor.dispatchEvent(
                    new KeyboardEvent("keydown", { key: "Escape", bubbles: true })
                );
            },
        },
        {
            content: "The menu is gone",
            trigger: NO_MENU,
        },
        {
            content: "Right-click the row again",
            trigger: `${ROW}:first td.o_data_cell:last`,
            run() {
                rightClick(this.anchor);
            },
        },
        {
            content: "A press outside closes the menu",
            trigger: `${MENU} [role=menuitem]`,
            run() {
                document
                    .querySelector(".o_control_panel")
                    .dispatchEvent(new PointerEvent("pointerdown", { bubbles: true }));
            },
        },
        {
            content: "The menu is gone again",
            trigger: NO_MENU,
        },
        {
            content: "Right-click the row once more",
            trigger: `${ROW}:first td.o_data_cell:last`,
            run() {
                rightClick(this.anchor);
            },
        },
        {
            content: "Choose Copy Invoice URL",
            trigger: `${MENU} [role=menuitem]:contains('Copy Invoice URL')`,
            run: "click",
        },
        {
            content: "The invoice's link is copied or shown",
            trigger: COPIED,
        },
        closeCopyResult(),
        {
            content: "Right-click the row now that it has a link",
            trigger: `${NO_MENU} ${ROW}:first td.o_data_cell:last`,
            run() {
                rightClick(this.anchor);
            },
        },
        {
            content: "Open link is offered for an invoice with a live link",
            trigger: `${MENU} [role=menuitem]:contains('Open link')`,
            run() {
                this.anchor.dispatchEvent(
                    new KeyboardEvent("keydown", { key: "Escape", bubbles: true })
                );
            },
        },
        {
            content: "Select the first invoice",
            trigger: `${NO_MENU} ${ROW}:eq(0) td.o_list_record_selector input`,
            run: "click",
        },
        {
            content: "Select the second invoice",
            trigger: `${ROW}:eq(1) td.o_list_record_selector input`,
            run: "click",
        },
        {
            content: "Right-click a selected row: the menu applies to the selection",
            trigger: `${ROW}.o_data_row_selected:eq(1) td.o_data_cell:last`,
            run() {
                rightClick(this.anchor);
            },
        },
        {
            content: "The menu says it acts on both invoices",
            trigger: `${MENU} .dropdown-header:contains('2 records selected')`,
        },
        {
            content: "Copy both invoice URLs",
            trigger: `${MENU} [role=menuitem]:contains('Copy Invoice URL')`,
            run: "click",
        },
        {
            content: "Both links are copied or shown",
            trigger: [
                ".o_notification:contains('2 invoice URLs copied')",
                ".modal .o_islebooks_copy_links_text",
            ].join(", "),
        },
        closeCopyResult(),
    ],
});
