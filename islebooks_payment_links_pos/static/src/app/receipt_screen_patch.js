import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { ConnectionLostError } from "@web/core/network/rpc";
import { ReceiptScreen } from "@point_of_sale/app/screens/receipt_screen/receipt_screen";
import { useTrackedAsync } from "@point_of_sale/app/utils/hooks";

/**
 * Send via WhatsApp on the receipt screen of a sale charged to the customer's
 * account (where the server sent the account link with the order): the server
 * builds the backend's message for the customer's saved number and logs it on
 * the customer; the till opens WhatsApp, or says why it cannot.
 */
patch(ReceiptScreen.prototype, {
    setup() {
        super.setup(...arguments);
        this.islebooksSendWhatsapp = useTrackedAsync(() => this.islebooksSendWhatsappCall());
    },
    get islebooksCanSendWhatsapp() {
        const order = this.currentOrder;
        return Boolean(order.islebooks_account_link_url && typeof order.id === "number");
    },
    async islebooksSendWhatsappCall() {
        const order = this.currentOrder;
        let result;
        try {
            result = await this.pos.data.call("pos.order", "islebooks_send_whatsapp", [[order.id]]);
        } catch (error) {
            if (error instanceof ConnectionLostError) {
                this.notification.add(
                    _t("The server cannot be reached: send it via WhatsApp once back online."),
                    { type: "warning" }
                );
                return;
            }
            throw error;
        }
        if (result.error) {
            this.notification.add(result.error, { type: "danger", sticky: true });
            return;
        }
        window.open(result.url, "_blank", "noopener");
    },
});
