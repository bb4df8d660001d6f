/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * Customer portal: total of the ticked invoices and a warning when currencies
 * are mixed (the server refuses them too). "Pay all" is a plain link: the
 * server pays every open invoice of a currency, listed on this page or not.
 */
publicWidget.registry.IslebooksPortalSelection = publicWidget.Widget.extend({
    selector: ".o_islebooks_portal_form",
    events: {
        "change .o_islebooks_select": "_onSelectionChange",
    },

    start() {
        this._update();
        return this._super(...arguments);
    },

    _selected() {
        return [...this.el.querySelectorAll(".o_islebooks_select:checked")];
    },

    _update() {
        const selected = this._selected();
        const currencies = new Set(selected.map((input) => input.dataset.currency));
        const totalEl = this.el.querySelector(".o_islebooks_selection_total");
        const warningEl = this.el.querySelector(".o_islebooks_currency_warning");
        const payButton = this.el.querySelector(".o_islebooks_pay_selected");
        const zipButton = this.el.querySelector(".o_islebooks_zip");
        totalEl.classList.toggle("d-none", currencies.size !== 1);
        warningEl.classList.toggle("d-none", currencies.size <= 1);
        payButton.disabled = currencies.size !== 1;
        zipButton.disabled = !selected.length;
        if (currencies.size === 1) {
            const first = selected[0].dataset;
            const digits = parseInt(first.digits);
            const total = selected.reduce(
                (sum, input) => sum + parseFloat(input.dataset.amount),
                0
            );
            const amount = total.toFixed(digits);
            totalEl.querySelector(".o_islebooks_total_value").textContent =
                first.position === "before"
                    ? `${first.symbol} ${amount}`
                    : `${amount} ${first.symbol}`;
        }
    },

    _onSelectionChange() {
        this._update();
    },
});

export default publicWidget.registry.IslebooksPortalSelection;
