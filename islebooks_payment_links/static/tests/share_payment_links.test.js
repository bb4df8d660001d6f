import { describe, expect, test } from "@odoo/hoot";
import { queryAllTexts } from "@odoo/hoot-dom";
import { animationFrame } from "@odoo/hoot-mock";
import {
    contains,
    defineModels,
    fields,
    getService,
    models,
    mountView,
    mountWebClient,
    onRpc,
    patchWithCleanup,
} from "@web/../tests/web_test_helpers";
import { browser } from "@web/core/browser/browser";
import { mailModels } from "@mail/../tests/mail_test_helpers";

class PaymentLink extends models.Model {
    _name = "islebooks.payment.link";
    url = fields.Char();
    state = fields.Selection({
        selection: [
            ["active", "Active"],
            ["revoked", "Revoked"],
        ],
    });
    _records = [
        { id: 7, url: "https://example.com/pay/portal7", state: "active" },
        { id: 8, url: "https://example.com/pay/revoked8", state: "revoked" },
    ];
}

defineModels({ ...mailModels, PaymentLink });

describe.current.tags("desktop");

const INVOICE = {
    id: 7,
    name: "INV/2026/0001",
    url: "https://example.com/pay/abc",
    company: "Reef Co",
};
const OTHER_INVOICE = {
    id: 9,
    name: "INV/2026/0002",
    url: "https://example.com/pay/def",
    company: "Reef Co",
};
const NOTIFICATION_BUTTONS = ".o_notification_buttons button";

/** A browser with a share sheet: ``navigator.share`` records what it is handed. */
function stubShare({ canShare = () => true, error = null } = {}) {
    const shared = [];
    patchWithCleanup(browser.navigator, {
        share: async (data) => {
            shared.push(data);
            if (error) {
                throw error;
            }
        },
        canShare,
    });
    return shared;
}

/** A browser without one (desktop Firefox, Chrome on Linux). */
function noShare() {
    patchWithCleanup(browser.navigator, { share: undefined, canShare: undefined });
}

function logShares() {
    onRpc("islebooks.payment.link", "action_log_share", ({ args }) => {
        expect.step(args[0]);
        return true;
    });
}

async function copyInvoiceUrl(links) {
    await mountWebClient();
    await getService("action").doAction({
        type: "ir.actions.client",
        tag: "islebooks_copy_payment_links",
        params: { links },
    });
    await animationFrame();
}

test("Copy Invoice URL: Share… hands the invoice's link and a short text, then notes it", async () => {
    const shared = stubShare();
    logShares();
    await copyInvoiceUrl([INVOICE]);
    expect(".o_notification_title").toHaveText("Invoice URL copied");
    expect(queryAllTexts(NOTIFICATION_BUTTONS)).toEqual(["Share…"]);
    await contains(NOTIFICATION_BUTTONS).click();
    await animationFrame();
    expect(shared).toEqual([
        {
            title: "Invoice INV/2026/0001",
            text: "Invoice INV/2026/0001 from Reef Co: view, download and pay it online.",
            url: "https://example.com/pay/abc",
        },
    ]);
    expect.verifySteps([[7]]);
    expect(".o_notification:contains(Shared, and noted in the chatter.)").toHaveCount(1);
});

test("Copy Invoice URL of several invoices shares one line per invoice", async () => {
    const shared = stubShare();
    logShares();
    await copyInvoiceUrl([INVOICE, OTHER_INVOICE]);
    await contains(`${NOTIFICATION_BUTTONS}:contains(Share…)`).click();
    await animationFrame();
    expect(shared).toEqual([
        {
            title: "2 invoices",
            text: [
                "View, download and pay these invoices online:",
                "INV/2026/0001: https://example.com/pay/abc",
                "INV/2026/0002: https://example.com/pay/def",
            ].join("\n"),
        },
    ]);
    expect.verifySteps([[7, 9]]);
});

test("no share sheet, or one that refuses the data: no Share… button", async () => {
    noShare();
    await copyInvoiceUrl([INVOICE]);
    expect(".o_notification_title").toHaveText("Invoice URL copied");
    expect(NOTIFICATION_BUTTONS).toHaveCount(0);

    const shared = stubShare({ canShare: () => false });
    await getService("action").doAction({
        type: "ir.actions.client",
        tag: "islebooks_copy_payment_links",
        params: { links: [OTHER_INVOICE] },
    });
    await animationFrame();
    expect(".o_notification").toHaveCount(2);
    expect(NOTIFICATION_BUTTONS).toHaveCount(0);
    expect(shared).toEqual([]);
});

test("a share cancelled on the device notes nothing; a failed one says so", async () => {
    stubShare({ error: new DOMException("Share canceled", "AbortError") });
    logShares();
    await copyInvoiceUrl([INVOICE]);
    await contains(NOTIFICATION_BUTTONS).click();
    await animationFrame();
    expect(".o_notification").toHaveCount(0);
    expect.verifySteps([]);

    stubShare({ error: new DOMException("Not allowed", "NotAllowedError") });
    await getService("action").doAction({
        type: "ir.actions.client",
        tag: "islebooks_copy_payment_links",
        params: { links: [INVOICE] },
    });
    await animationFrame();
    await contains(NOTIFICATION_BUTTONS).click();
    await animationFrame();
    expect(".o_notification").toHaveText("This device could not share the link: copy it instead.");
    expect.verifySteps([]);
});

test("the fallback dialog (clipboard refused) offers Share… too", async () => {
    patchWithCleanup(browser.navigator.clipboard, {
        writeText: async () => {
            throw new Error("Clipboard refused");
        },
    });
    const shared = stubShare();
    logShares();
    await copyInvoiceUrl([INVOICE]);
    expect(".o_islebooks_copy_links_text").toHaveValue("https://example.com/pay/abc");
    expect(".modal-footer .o_islebooks_share").toHaveText("Share…");
    await contains(".modal-footer .o_islebooks_share").click();
    await animationFrame();
    expect(shared.map((data) => data.url)).toEqual(["https://example.com/pay/abc"]);
    expect.verifySteps([[7]]);
});

test("the fallback dialog without a share sheet has no Share…", async () => {
    patchWithCleanup(browser.navigator.clipboard, {
        writeText: async () => {
            throw new Error("Clipboard refused");
        },
    });
    noShare();
    await copyInvoiceUrl([INVOICE]);
    expect(".o_islebooks_copy_links_text").toHaveCount(1);
    expect(".modal-footer .o_islebooks_share").toHaveCount(0);
});

const LINK_LIST = `
    <list>
        <field name="url" widget="islebooks_payment_link_url" options="{'share': True}"/>
        <field name="state"/>
    </list>`;

test("Generate Payment Link: Share… on live links, with the customer's portal text", async () => {
    const shared = stubShare();
    logShares();
    await mountView({ type: "list", resModel: "islebooks.payment.link", arch: LINK_LIST });
    expect(".o_data_row:eq(0) .o_islebooks_link_share").toHaveText("Share…");
    // A revoked link is no longer sent: no Share… on its row.
    expect(".o_data_row:eq(1) .o_islebooks_link_share").toHaveCount(0);
    await contains(".o_data_row:eq(0) .o_islebooks_link_share").click();
    await animationFrame();
    expect(shared).toEqual([
        {
            title: "Invoices from Hermit",
            text: "Your invoices from Hermit: view, download and pay them online, no account needed.",
            url: "https://example.com/pay/portal7",
        },
    ]);
    expect.verifySteps([[7]]);
    // The click shares: it does not open or select the row.
    expect(".o_data_row.o_selected_row").toHaveCount(0);
});

test("the link field shares only where asked and where the browser can", async () => {
    stubShare();
    await mountView({
        type: "list",
        resModel: "islebooks.payment.link",
        arch: `<list><field name="url" widget="islebooks_payment_link_url"/><field name="state"/></list>`,
    });
    // The invoice's and the customer's Payment Link tabs: Copy only.
    expect(".o_islebooks_link_copy").toHaveCount(2);
    expect(".o_islebooks_link_share").toHaveCount(0);
});

test("Generate Payment Link without a share sheet: no Share…", async () => {
    noShare();
    await mountView({ type: "list", resModel: "islebooks.payment.link", arch: LINK_LIST });
    expect(".o_islebooks_link_copy").toHaveCount(2);
    expect(".o_islebooks_link_share").toHaveCount(0);
});
