import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";

/** A sale charged to the customer's account: its receipt carries the account's QR code. */
registry.category("web_tour.tours").add("islebooks_pos_account_link_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Counter Goods", "1"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Counter Customer"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Customer Account"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            ReceiptScreen.receiptIsThere(),
            {
                content: "the receipt prints the account's QR code and its line",
                trigger:
                    ".pos-receipt .islebooks-account-link:contains(Scan to see and pay your account) img.islebooks-account-link-qr[src^='data:image/png;base64,']",
            },
            {
                content: "the receipt screen offers Send via WhatsApp",
                trigger:
                    ".receipt-screen button.islebooks-send-whatsapp:contains(Send via WhatsApp)",
            },
            Chrome.endTour(),
        ].flat(),
});
