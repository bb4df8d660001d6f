import { patch } from "@web/core/utils/patch";
import { PosOrder } from "@point_of_sale/app/models/pos_order";

/**
 * The receipt of a sale charged to the customer's account carries the customer's
 * portal link and its QR code, as the server sent them with the synced order
 * (islebooks_account_link_url, _qr): never computed here, so a sale made while
 * the server is unreachable prints without them and the till keeps selling.
 */
patch(PosOrder.prototype, {
    export_for_printing() {
        const result = super.export_for_printing(...arguments);
        if (this.islebooks_account_link_url && this.islebooks_account_link_qr) {
            result.islebooks_account_link = {
                url: this.islebooks_account_link_url,
                qr: this.islebooks_account_link_qr,
            };
        }
        return result;
    },
});
