/** @odoo-module **/

import { patch } from "@web/core/utils/patch";
import { ListController } from "@web/views/list/list_controller";
import { ListRenderer } from "@web/views/list/list_renderer";
import {
    usePaymentLinkContextActions,
    usePaymentLinkContextMenu,
} from "./payment_link_context_menu_hook";

/** The addon's context menu on the rows of a list (see payment_link_context_menu_hook.js). */

patch(ListController.prototype, {
    setup() {
        super.setup(...arguments);
        usePaymentLinkContextActions();
    },
});

patch(ListRenderer.prototype, {
    setup() {
        super.setup(...arguments);
        usePaymentLinkContextMenu({
            rootRef: this.rootRef,
            getList: () => this.props.list,
            recordSelector: "tr.o_data_row",
        });
    },
});
