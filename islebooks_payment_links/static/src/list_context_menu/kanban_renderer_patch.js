/** @odoo-module **/

import { patch } from "@web/core/utils/patch";
import { KanbanController } from "@web/views/kanban/kanban_controller";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import {
    usePaymentLinkContextActions,
    usePaymentLinkContextMenu,
} from "./payment_link_context_menu_hook";

/**
 * The addon's context menu on kanban cards (contacts, invoices), the same as
 * on list rows (see payment_link_context_menu_hook.js). The actions come with
 * the kanban view's bindings (binding_view_types includes "kanban").
 */

patch(KanbanController.prototype, {
    setup() {
        super.setup(...arguments);
        usePaymentLinkContextActions();
    },
});

patch(KanbanRenderer.prototype, {
    setup() {
        super.setup(...arguments);
        usePaymentLinkContextMenu({
            rootRef: this.rootRef,
            getList: () => this.props.list,
            recordSelector: ".o_kanban_record[data-id]",
        });
    },
});
