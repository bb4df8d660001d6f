/** @odoo-module **/

import { Component, markup, onMounted, useRef } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { escape } from "@web/core/utils/strings";
import { canShare, invoiceShareData, shareLinks } from "./share_payment_links";

/** Dialog shown where the browser refuses the clipboard (plain-http sites). */
export class CopyPaymentLinksDialog extends Component {
    static template = "islebooks_payment_links.CopyPaymentLinksDialog";
    static components = { Dialog };
    static props = { text: String, close: Function, onShare: { type: Function, optional: true } };

    setup() {
        this.textRef = useRef("links");
        onMounted(() => {
            this.textRef.el.focus();
            this.textRef.el.select();
        });
    }
}

export function formatPaymentLinks(links) {
    if (links.length === 1) {
        return links[0].url;
    }
    return links.map((link) => `${link.name}: ${link.url}`).join("\n");
}

export async function copyPaymentLinksAction(env, action) {
    const links = action.params.links || [];
    const text = formatPaymentLinks(links);
    // Share… where the browser has a share sheet (phones, tablets): shares what is copied.
    const shareData = links.length ? invoiceShareData(links) : null;
    const onShare =
        shareData && canShare(shareData)
            ? () =>
                  shareLinks(
                      env,
                      links.map((link) => link.id),
                      shareData
                  )
            : undefined;
    try {
        await browser.navigator.clipboard.writeText(text);
    } catch {
        env.services.dialog.add(CopyPaymentLinksDialog, { text, onShare });
        return;
    }
    const close = env.services.notification.add(markup(escape(text).replaceAll("\n", "<br/>")), {
        title:
            links.length === 1
                ? _t("Invoice URL copied")
                : _t("%s invoice URLs copied", links.length),
        type: "success",
        buttons: onShare
            ? [
                  {
                      name: _t("Share…"),
                      icon: "fa-share-alt",
                      primary: true,
                      onClick: () => {
                          onShare();
                          close();
                      },
                  },
              ]
            : [],
        // Time to reach for the button on a phone, where nothing hovers to hold it open.
        autocloseDelay: onShare ? 10000 : undefined,
    });
}

registry.category("actions").add("islebooks_copy_payment_links", copyPaymentLinksAction);
