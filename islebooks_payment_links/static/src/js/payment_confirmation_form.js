/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";
import { _t } from "@web/core/l10n/translation";

/**
 * Bank-transfer confirmation block on payment link pages: copy buttons for the
 * bank details, and the amount follows the invoices ticked (the server checks
 * it again; this only saves the customer some typing).
 */
publicWidget.registry.IslebooksPaymentConfirmation = publicWidget.Widget.extend({
    selector: ".o_islebooks_confirmation",
    events: {
        "click .o_islebooks_copy": "_onCopy",
        "change input[name='invoice_ids']": "_onInvoicesChange",
    },

    async _onCopy(ev) {
        const button = ev.currentTarget;
        const label = button.querySelector(".o_islebooks_copy_label");
        try {
            await navigator.clipboard.writeText(button.dataset.copy);
            label.textContent = _t("Copied");
        } catch {
            // Plain-http sites have no clipboard API: select the text instead.
            const value = button.parentElement.querySelector(".o_islebooks_copy_value");
            const range = document.createRange();
            range.selectNodeContents(value);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            label.textContent = _t("Selected");
        }
        setTimeout(() => (label.textContent = _t("Copy")), 2000);
    },

    _onInvoicesChange() {
        const checked = this.el.querySelectorAll("input[name='invoice_ids']:checked");
        const amountInput = this.el.querySelector("input[name='amount']");
        if (!amountInput) {
            return;
        }
        let total = 0;
        for (const input of checked) {
            total += parseFloat(input.dataset.residual) || 0;
        }
        const decimals = parseInt(amountInput.dataset.decimals ?? "2");
        amountInput.value = checked.length ? total.toFixed(decimals) : "";
    },
});
