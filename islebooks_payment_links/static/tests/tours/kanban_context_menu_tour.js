/** @odoo-module **/

import { queryOne } from "@odoo/hoot-dom";
import { registry } from "@web/core/registry";

const CARD = ".o_kanban_view .o_kanban_record:contains('Kanban Card Customer')";
const MENU = ".o_islebooks_context_menu";
const NO_MENU = `body:not(:has(${MENU}))`;
const DIALOG_ROW = ".modal .o_islebooks_payment_link_wizard_lines .o_data_row";
// Set on the card shown before the dialog closes. Closing the dialog reloads
// the kanban, which replaces the cards: a card without it is a reloaded one.
const BEFORE_RELOAD = "data-islebooks-tour-before-reload";

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

/** A finger on the card: what a phone sends for a touch (pointer events). */
function touch(type, element) {
    const rect = element.getBoundingClientRect();
    element.dispatchEvent(
        new PointerEvent(type, {
            bubbles: true,
            cancelable: true,
            pointerId: 7,
            pointerType: "touch",
            isPrimary: true,
            clientX: rect.left + 20,
            clientY: rect.top + rect.height / 2,
        })
    );
}

/**
 * Invoicing > Customers > Customers opens in kanban: the card of a customer
 * offers the addon's menu on a right-click and on a long press, and a tap
 * still opens the customer.
 */
registry.category("web_tour.tours").add("islebooks_kanban_context_menu", {
    steps: () => [
        {
            content: "Shift + right-click keeps the browser's own menu",
            trigger: CARD,
            run() {
                if (rightClick(this.anchor, { shiftKey: true }).defaultPrevented) {
                    throw new Error("Shift + right-click must not be taken over");
                }
            },
        },
        {
            content: "No menu was opened",
            trigger: NO_MENU,
        },
        {
            content: "Right-click the customer's card",
            trigger: CARD,
            run() {
                if (!rightClick(this.anchor).defaultPrevented) {
                    throw new Error("Right-click on a card must open the addon's menu");
                }
            },
        },
        {
            content: "The menu offers Generate Payment Link, focused",
            trigger: `${MENU}[role=menu] [role=menuitem]:first:focus:contains('Generate Payment Link')`,
            run: "click",
        },
        {
            content: "The dialog shows the customer's portal link",
            trigger: `${DIALOG_ROW}:contains('Kanban Card Customer') td[name=url]:contains('/pay/')`,
        },
        {
            content: "Close the dialog",
            trigger: ".modal-footer button:contains(Done)",
            run(helpers) {
                queryOne(CARD).setAttribute(BEFORE_RELOAD, "");
                return helpers.click();
            },
        },
        {
            // Not on the card that the reload is about to replace: a real
            // finger would be on the card shown once the kanban has reloaded.
            content: "The kanban reloaded; hold a finger on the card",
            trigger: `body:not(:has(.modal)) ${CARD}:not([${BEFORE_RELOAD}])`,
            run() {
                touch("pointerdown", this.anchor);
            },
        },
        {
            content: "The long press opens the same menu; the finger lifts",
            trigger: `${MENU} [role=menuitem]:contains('Generate Payment Link')`,
            run() {
                const card = queryOne(CARD);
                touch("pointerup", card);
                // What a browser may send after the finger lifts: not a tap on the card.
                const click = new MouseEvent("click", { bubbles: true, cancelable: true });
                if (card.dispatchEvent(click)) {
                    throw new Error("The click after a long press must not open the card");
                }
            },
        },
        {
            content: "The customer did not open; Escape closes the menu",
            trigger: `body:has(.o_kanban_view):not(:has(.o_form_view)) ${MENU} [role=menuitem]:first`,
            run() {
                this.anchor.dispatchEvent(
                    new KeyboardEvent("keydown", { key: "Escape", bubbles: true })
                );
            },
        },
        {
            content: "A quick tap on the card",
            trigger: `${NO_MENU} ${CARD}`,
            run() {
                touch("pointerdown", this.anchor);
                touch("pointerup", this.anchor);
                this.anchor.click();
            },
        },
        {
            content: "The tap opened the customer, with no menu",
            trigger: `${NO_MENU} .o_form_view .o_breadcrumb:contains('Kanban Card Customer')`,
        },
    ],
});
