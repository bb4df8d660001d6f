import { describe, expect, test } from "@odoo/hoot";
import { onWillRender } from "@odoo/owl";
import { click, press, queryAllTexts, queryOne, waitUntil } from "@odoo/hoot-dom";
import { advanceTime, animationFrame, Deferred } from "@odoo/hoot-mock";
import {
    contains,
    defineActions,
    defineModels,
    fields,
    getService,
    models,
    mountWebClient,
    onRpc,
    patchWithCleanup,
} from "@web/../tests/web_test_helpers";
import { browser } from "@web/core/browser/browser";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { mailModels } from "@mail/../tests/mail_test_helpers";
import { LONG_PRESS_DELAY } from "@islebooks_payment_links/list_context_menu/payment_link_context_menu_hook";

class Invoice extends models.Model {
    _name = "account.move";
    name = fields.Char();
    payment_link_url = fields.Char();
    _records = [
        { id: 1, name: "INV/001", payment_link_url: "https://example.com/pay/abc" },
        { id: 2, name: "INV/002" },
        { id: 3, name: "INV/003" },
    ];
    _views = {
        list: `<list><field name="name"/></list>`,
        kanban: `<kanban><templates><t t-name="card"><field name="name"/></t></templates></kanban>`,
        search: `<search/>`,
    };
}

defineModels({ ...mailModels, Invoice });

const COPY = { id: 11, name: "Copy Invoice URL", type: "ir.actions.server" };
const CORE = { id: 12, name: "Core action", type: "ir.actions.server" };
defineActions([COPY, CORE]);

function rightClick(selector, init = {}) {
    const cell = queryOne(selector);
    const event = new MouseEvent("contextmenu", {
        bubbles: true,
        cancelable: true,
        button: 2,
        clientX: 50,
        clientY: 60,
        ...init,
    });
    cell.dispatchEvent(event);
    return event;
}

/** A finger on the element: the pointer events a touch screen sends. */
function touch(type, selector, { dx = 0, dy = 0 } = {}) {
    const element = queryOne(selector);
    const rect = element.getBoundingClientRect();
    const event = new PointerEvent(type, {
        bubbles: true,
        cancelable: true,
        pointerId: 3,
        pointerType: "touch",
        isPrimary: true,
        clientX: rect.left + 10 + dx,
        clientY: rect.top + 5 + dy,
    });
    element.dispatchEvent(event);
    return event;
}

function tap(selector) {
    const event = new MouseEvent("click", { bubbles: true, cancelable: true });
    queryOne(selector).dispatchEvent(event);
    return event;
}

async function openInvoices({ flagged = true, viewType = "list" } = {}) {
    Invoice._toolbar = {
        action: [{ ...COPY, islebooks_context_menu: flagged }, CORE],
        print: [],
    };
    await mountWebClient();
    await getService("action").doAction({
        type: "ir.actions.act_window",
        res_model: "account.move",
        views: [[false, viewType]],
    });
}

const MENU = ".o_islebooks_context_menu";

describe.current.tags("desktop");

test("right-click offers the addon's actions for the row, focused and runnable", async () => {
    onRpc("/web/action/run", async (request) => {
        const { params } = await request.json();
        expect.step({ action: params.action_id, ids: params.context.active_ids });
        return false;
    });
    await openInvoices();
    const event = rightClick(".o_data_row:eq(1) .o_data_cell");
    expect(event.defaultPrevented).toBe(true);
    await animationFrame();
    expect(`${MENU}[role=menu]`).toHaveCount(1);
    expect(queryAllTexts(`${MENU} [role=menuitem]`)).toEqual(["Copy Invoice URL"]);
    expect(`${MENU} [role=menuitem]:first`).toBeFocused();
    await contains(`${MENU} [role=menuitem]`).click();
    await animationFrame();
    expect(MENU).toHaveCount(0);
    expect.verifySteps([{ action: 11, ids: [2] }]);
});

test("a selected row acts on the whole selection, another row on itself", async () => {
    onRpc("/web/action/run", async (request) => {
        const { params } = await request.json();
        expect.step(params.context.active_ids);
        return false;
    });
    await openInvoices();
    await contains(".o_data_row:eq(0) .o_list_record_selector input").click();
    await contains(".o_data_row:eq(2) .o_list_record_selector input").click();
    rightClick(".o_data_row:eq(2) .o_data_cell");
    await animationFrame();
    expect(`${MENU} .dropdown-header`).toHaveText("2 records selected");
    await contains(`${MENU} [role=menuitem]`).click();
    rightClick(".o_data_row:eq(1) .o_data_cell");
    await animationFrame();
    expect(`${MENU} .dropdown-header`).toHaveCount(0);
    await contains(`${MENU} [role=menuitem]`).click();
    expect.verifySteps([[1, 3], [2]]);
});

test("Escape, a click outside and arrows: a keyboard-friendly menu", async () => {
    await openInvoices();
    rightClick(".o_data_row:eq(1) .o_data_cell");
    await animationFrame();
    expect(MENU).toHaveCount(1);
    await press("Escape");
    await animationFrame();
    expect(MENU).toHaveCount(0);

    rightClick(".o_data_row:eq(1) .o_data_cell");
    await animationFrame();
    expect(MENU).toHaveCount(1);
    await click(".o_control_panel");
    await animationFrame();
    expect(MENU).toHaveCount(0);
});

test("Open link for a record with a live link, opened in a new tab", async () => {
    patchWithCleanup(browser, { open: (url, target) => expect.step(`${url} ${target}`) });
    await openInvoices();
    rightClick(".o_data_row:eq(0) .o_data_cell");
    await animationFrame();
    expect(queryAllTexts(`${MENU} [role=menuitem]`)).toEqual(["Copy Invoice URL", "Open link"]);
    await press("ArrowDown");
    expect(`${MENU} [role=menuitem]:eq(1)`).toBeFocused();
    await press("ArrowDown");
    expect(`${MENU} [role=menuitem]:eq(0)`).toBeFocused();
    await press("End");
    await press("Enter");
    await animationFrame();
    expect.verifySteps(["https://example.com/pay/abc _blank"]);
});

test("Shift + right-click, or a list without the addon's actions: browser menu", async () => {
    await openInvoices();
    const shifted = rightClick(".o_data_row:eq(0) .o_data_cell", { shiftKey: true });
    await animationFrame();
    expect(shifted.defaultPrevented).toBe(false);
    expect(MENU).toHaveCount(0);
});

test("no addon action bound to the model: the browser's menu stays", async () => {
    await openInvoices({ flagged: false });
    const event = rightClick(".o_data_row:eq(0) .o_data_cell");
    await animationFrame();
    expect(event.defaultPrevented).toBe(false);
    expect(MENU).toHaveCount(0);
});

test("kanban: right-click a card offers the actions for that card", async () => {
    onRpc("/web/action/run", async (request) => {
        const { params } = await request.json();
        expect.step({ action: params.action_id, ids: params.context.active_ids });
        return false;
    });
    await openInvoices({ viewType: "kanban" });
    const shifted = rightClick(".o_kanban_record:contains(INV/002)", { shiftKey: true });
    await animationFrame();
    expect(shifted.defaultPrevented).toBe(false);
    expect(MENU).toHaveCount(0);

    const event = rightClick(".o_kanban_record:contains(INV/002)");
    expect(event.defaultPrevented).toBe(true);
    await animationFrame();
    expect(queryAllTexts(`${MENU} [role=menuitem]`)).toEqual(["Copy Invoice URL"]);
    expect(`${MENU} [role=menuitem]:first`).toBeFocused();
    await contains(`${MENU} [role=menuitem]`).click();
    await animationFrame();
    expect(MENU).toHaveCount(0);
    expect.verifySteps([{ action: 11, ids: [2] }]);

    rightClick(".o_kanban_record:contains(INV/001)");
    await animationFrame();
    expect(queryAllTexts(`${MENU} [role=menuitem]`)).toEqual(["Copy Invoice URL", "Open link"]);
});

test("kanban without the addon's actions: the browser's menu stays", async () => {
    await openInvoices({ flagged: false, viewType: "kanban" });
    const event = rightClick(".o_kanban_record:contains(INV/001)");
    await animationFrame();
    expect(event.defaultPrevented).toBe(false);
    expect(MENU).toHaveCount(0);
});

test("long press on a row opens the menu; the lift is no tap on the row", async () => {
    onRpc("/web/action/run", async (request) => {
        const { params } = await request.json();
        expect.step(params.context.active_ids);
        return false;
    });
    await openInvoices();
    const ROW = ".o_data_row:eq(1) .o_data_cell";
    touch("pointerdown", ROW);
    await advanceTime(LONG_PRESS_DELAY - 100);
    await animationFrame();
    expect(MENU).toHaveCount(0);
    await advanceTime(100);
    await animationFrame();
    expect(queryAllTexts(`${MENU} [role=menuitem]`)).toEqual(["Copy Invoice URL"]);
    touch("pointerup", ROW);
    expect(tap(ROW).defaultPrevented).toBe(true);
    expect(MENU).toHaveCount(1);
    await contains(`${MENU} [role=menuitem]`).click();
    expect.verifySteps([[2]]);
});

test("a tap, a scroll or a mouse press is no long press", async () => {
    await openInvoices();
    const ROW = ".o_data_row:eq(0) .o_data_cell";
    // Tap: the finger lifts at once, the click goes through.
    touch("pointerdown", ROW);
    touch("pointerup", ROW);
    await advanceTime(LONG_PRESS_DELAY * 2);
    await animationFrame();
    expect(MENU).toHaveCount(0);
    // Scroll: the finger moves, no menu.
    touch("pointerdown", ROW);
    touch("pointermove", ROW, { dy: 30 });
    await advanceTime(LONG_PRESS_DELAY * 2);
    await animationFrame();
    expect(MENU).toHaveCount(0);
    touch("pointercancel", ROW);
    // A held mouse button is a mouse press, not a touch.
    queryOne(ROW).dispatchEvent(
        new PointerEvent("pointerdown", { bubbles: true, pointerType: "mouse", isPrimary: true })
    );
    await advanceTime(LONG_PRESS_DELAY * 2);
    await animationFrame();
    expect(MENU).toHaveCount(0);
});

test("long press on a kanban card opens the menu for that card", async () => {
    onRpc("/web/action/run", async (request) => {
        const { params } = await request.json();
        expect.step(params.context.active_ids);
        return false;
    });
    await openInvoices({ viewType: "kanban" });
    const CARD = ".o_kanban_record:contains(INV/003)";
    touch("pointerdown", CARD);
    await advanceTime(LONG_PRESS_DELAY);
    await animationFrame();
    expect(MENU).toHaveCount(1);
    touch("pointerup", CARD);
    expect(tap(CARD).defaultPrevented).toBe(true);
    await contains(`${MENU} [role=menuitem]:contains(Copy Invoice URL)`).click();
    expect.verifySteps([[3]]);
    // A browser that also reports the long press as a context menu: still one menu.
    touch("pointerdown", CARD);
    await advanceTime(LONG_PRESS_DELAY);
    const contextMenu = rightClick(CARD);
    await animationFrame();
    expect(contextMenu.defaultPrevented).toBe(true);
    expect(MENU).toHaveCount(1);
});

test("a long press while the kanban reloads opens the menu for the card shown", async () => {
    // Closing an action of the menu reloads the kanban: the renderer gets the
    // new list (new datapoint ids) one animation frame before the new cards
    // replace the old ones. A finger landing in between is on a card shown.
    const CARD = ".o_kanban_record:contains(INV/003)";
    let reload = null;
    let pressWhileRendering = false;
    onRpc("/web/action/run", async (request) => {
        const { params } = await request.json();
        expect.step(params.context.active_ids);
        return false;
    });
    onRpc("web_search_read", () => reload);
    patchWithCleanup(KanbanRenderer.prototype, {
        setup() {
            super.setup(...arguments);
            onWillRender(() => {
                if (pressWhileRendering) {
                    pressWhileRendering = false;
                    // Before the patch: the DOM still shows the old card.
                    queueMicrotask(() => touch("pointerdown", CARD));
                }
            });
        },
    });
    await openInvoices({ viewType: "kanban" });
    rightClick(CARD);
    await animationFrame();
    reload = new Deferred();
    await contains(`${MENU} [role=menuitem]`).click();
    expect.verifySteps([[3]]);
    const shownCard = queryOne(CARD);
    pressWhileRendering = true;
    reload.resolve();
    await waitUntil(() => !shownCard.isConnected);
    expect(pressWhileRendering).toBe(false);
    await advanceTime(LONG_PRESS_DELAY);
    await animationFrame();
    expect(queryAllTexts(`${MENU} [role=menuitem]`)).toEqual(["Copy Invoice URL"]);
    touch("pointerup", CARD);
    expect(tap(CARD).defaultPrevented).toBe(true);
    await contains(`${MENU} [role=menuitem]`).click();
    expect.verifySteps([[3]]);
});
