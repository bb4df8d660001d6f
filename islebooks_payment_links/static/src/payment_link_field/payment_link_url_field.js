/** @odoo-module **/

import { Component, useRef } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { X2ManyField, x2ManyField } from "@web/views/fields/x2many/x2many_field";
import { ListRenderer } from "@web/views/list/list_renderer";
import { canShare, portalShareData, shareLinks } from "../js/share_payment_links";

/**
 * A payment link shown whole: the text wraps and a click selects all of it,
 * next to a Copy button with an accessible name. Where the browser refuses
 * the clipboard (plain-http sites) the link is selected, ready for Ctrl+C.
 *
 * With ``options="{'share': True}"`` on a payment link's own ``url`` (the
 * Generate Payment Link dialog, whose rows are the current company's portal
 * links with their ``state``), Share… hands a live link to the device's share
 * sheet where the browser has one.
 */
export class PaymentLinkUrlField extends Component {
    static template = "islebooks_payment_links.PaymentLinkUrlField";
    static props = { ...standardFieldProps, share: { type: Boolean, optional: true } };

    setup() {
        this.textRef = useRef("text");
        this.notification = useService("notification");
        this.company = useService("company");
        this.copyLabel = _t("Copy link");
    }

    get value() {
        return this.props.record.data[this.props.name] || "";
    }

    get shareData() {
        const { data } = this.props.record;
        if (!this.props.share || !this.value || data.state !== "active") {
            return null;
        }
        const shareData = portalShareData(this.value, this.company.currentCompany.name);
        return canShare(shareData) ? shareData : null;
    }

    onShare() {
        shareLinks(this.env, [this.props.record.resId], this.shareData);
    }

    selectText() {
        const range = document.createRange();
        range.selectNodeContents(this.textRef.el);
        const selection = document.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
    }

    async onCopy() {
        try {
            await browser.navigator.clipboard.writeText(this.value);
        } catch {
            this.selectText();
            this.notification.add(
                _t("Your browser did not allow copying: the link is selected, press Ctrl+C."),
                { type: "warning" }
            );
            return;
        }
        this.notification.add(_t("Link copied"), { type: "success" });
    }
}

export const paymentLinkUrlField = {
    component: PaymentLinkUrlField,
    displayName: _t("Payment link"),
    supportedTypes: ["char"],
    extractProps: ({ options }) => ({ share: Boolean(options.share) }),
};

registry.category("fields").add("islebooks_payment_link_url", paymentLinkUrlField);

/** A list of exactly its records: no empty rows padding it to four. */
export class PaymentLinkLinesRenderer extends ListRenderer {
    get getEmptyRowIds() {
        return [];
    }
}

export class PaymentLinkLinesField extends X2ManyField {
    static components = { ...X2ManyField.components, ListRenderer: PaymentLinkLinesRenderer };
}

registry.category("fields").add("islebooks_payment_link_lines", {
    ...x2ManyField,
    component: PaymentLinkLinesField,
});
