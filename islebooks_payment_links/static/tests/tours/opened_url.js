/** @odoo-module **/

import { browser } from "@web/core/browser/browser";
import { patch } from "@web/core/utils/patch";

let unpatch = null;

/**
 * Odoo opens an ir.actions.act_url in a new tab through `browser.open`: record
 * the URL on the page instead of leaving the test for wa.me (the only change to
 * the page; Odoo's own tours observe new windows the same way).
 */
export function captureOpenedUrl() {
    delete document.body.dataset.openedUrl;
    unpatch?.();
    unpatch = patch(browser, {
        open(url) {
            document.body.dataset.openedUrl = url;
            return { closed: false };
        },
    });
}

/** Give `browser.open` back. */
export function releaseOpenedUrl() {
    unpatch?.();
    unpatch = null;
}

/**
 * The WhatsApp URL recorded by `captureOpenedUrl`: addressed to `digits`, a
 * message greeting `customer` and carrying a payment link. Returns the text.
 */
export function checkWhatsappUrl(customer, digits) {
    const url = new URL(document.body.dataset.openedUrl);
    if (url.origin !== "https://wa.me" || url.pathname !== `/${digits}`) {
        throw new Error(`Unexpected WhatsApp URL: ${url}`);
    }
    const text = url.searchParams.get("text");
    if (!text.startsWith(`Hello ${customer},`) || !/\/pay\/[\w-]{43}/.test(text)) {
        throw new Error(`Unexpected WhatsApp message: ${text}`);
    }
    return text;
}
