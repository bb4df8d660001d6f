/** @odoo-module **/

import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";

/**
 * Share… : the Web Share API hands a link and a short text to the device's share
 * sheet (Telegram, Signal, Messenger, Mail…), mostly on phones and tablets.
 */

/** Whether this browser can hand ``data`` to a share sheet. */
export function canShare(data) {
    const { navigator } = browser;
    if (typeof navigator.share !== "function") {
        return false;
    }
    if (typeof navigator.canShare === "function") {
        try {
            return navigator.canShare(data);
        } catch {
            return false;
        }
    }
    return true;
}

/** What Share… hands over for invoice links ``[{ name, url, company }]`` (Copy Invoice URL). */
export function invoiceShareData(links) {
    if (links.length === 1) {
        const [{ name, url, company }] = links;
        return {
            title: _t("Invoice %s", name),
            text: _t("Invoice %(name)s from %(company)s: view, download and pay it online.", {
                name,
                company,
            }),
            url,
        };
    }
    // Several links: one per line in the text, as Copy Invoice URL copies them.
    return {
        title: _t("%s invoices", links.length),
        text: [
            _t("View, download and pay these invoices online:"),
            ...links.map((link) => `${link.name}: ${link.url}`),
        ].join("\n"),
    };
}

/** What Share… hands over for a customer's portal link (Generate Payment Link). */
export function portalShareData(url, company) {
    return {
        title: _t("Invoices from %s", company),
        text: _t(
            "Your invoices from %s: view, download and pay them online, no account needed.",
            company
        ),
        url,
    };
}

/**
 * Opens the share sheet with ``data`` (to be called from the click itself: browsers
 * share only on a user gesture), then notes the share in the chatter of the
 * links' invoices or customers. A share the user cancels (AbortError) notes
 * nothing. Returns whether the links were shared.
 */
export async function shareLinks(env, linkIds, data) {
    try {
        await browser.navigator.share(data);
    } catch (error) {
        if (error?.name !== "AbortError") {
            env.services.notification.add(
                _t("This device could not share the link: copy it instead."),
                { type: "warning" }
            );
        }
        return false;
    }
    await env.services.orm.call("islebooks.payment.link", "action_log_share", [linkIds]);
    env.services.notification.add(_t("Shared, and noted in the chatter."), { type: "success" });
    return true;
}
