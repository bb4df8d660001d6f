/** @odoo-module **/

import { onWillUnmount, useEffect, useSubEnv } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { patch } from "@web/core/utils/patch";
import { ListController } from "@web/views/list/list_controller";
import { ListRenderer } from "@web/views/list/list_renderer";
import { session } from "@web/session";
import { PaymentLinkContextMenu } from "./payment_link_context_menu";

/**
 * Right-click on a row of a list offers the addon's actions for that row (or
 * for the selection, when the row is part of it): the same server actions as
 * the Actions menu, plus "Open link" where the record has a live payment link.
 * Shift + right-click keeps the browser's own menu.
 */

patch(ListController.prototype, {
    setup() {
        super.setup(...arguments);
        // The view's bindings, already filtered by the server for this user;
        // the addon flags its own (see ir.actions.actions.get_bindings).
        const actions = (this.props.info.actionMenus?.action || []).filter(
            (action) => action.islebooks_context_menu
        );
        useSubEnv({ paymentLinkContextActions: actions });
    },
});

patch(ListRenderer.prototype, {
    setup() {
        super.setup(...arguments);
        this.paymentLinkServices = {
            action: useService("action"),
            orm: useService("orm"),
            overlay: useService("overlay"),
        };
        this.closePaymentLinkMenu = null;
        useEffect(
            (el) => {
                if (!el || !this.env.paymentLinkContextActions?.length) {
                    return;
                }
                const onContextMenu = (ev) => this.onPaymentLinkContextMenu(ev);
                el.addEventListener("contextmenu", onContextMenu);
                return () => el.removeEventListener("contextmenu", onContextMenu);
            },
            () => [this.rootRef.el]
        );
        onWillUnmount(() => this.closePaymentLinkMenu?.());
    },

    findPaymentLinkRecord(list, recordId) {
        for (const record of list.records || []) {
            if (record.id === recordId) {
                return record;
            }
        }
        for (const group of list.groups || []) {
            const record = group.list && this.findPaymentLinkRecord(group.list, recordId);
            if (record) {
                return record;
            }
        }
        return null;
    },

    onPaymentLinkContextMenu(ev) {
        if (ev.shiftKey || ev.target.closest("input, textarea, [contenteditable=true]")) {
            return;
        }
        const row = ev.target.closest("tr.o_data_row");
        const record = row && this.findPaymentLinkRecord(this.props.list, row.dataset.id);
        if (!record?.resId) {
            return;
        }
        ev.preventDefault();
        let { clientX: x, clientY: y } = ev;
        if (!x && !y) {
            // Opened from the keyboard (menu key, Shift+F10): anchor on the row.
            const rect = row.getBoundingClientRect();
            x = rect.left + 16;
            y = rect.bottom;
        }
        this.openPaymentLinkMenu(record, x, y, document.activeElement);
    },

    async getPaymentLinkTargetIds(record) {
        const list = this.props.list;
        if (!record.selected || !list.selection.length) {
            return [record.resId];
        }
        if (list.isDomainSelected) {
            return this.paymentLinkServices.orm.search(list.resModel, list.domain, {
                limit: session.active_ids_limit,
                context: list.context,
            });
        }
        return list.selection.map((selected) => selected.resId);
    },

    async openPaymentLinkMenu(record, x, y, previousFocus) {
        this.closePaymentLinkMenu?.();
        const list = this.props.list;
        const { action, orm, overlay } = this.paymentLinkServices;
        const resIds = await this.getPaymentLinkTargetIds(record);
        let url = false;
        if (resIds.length === 1 && "payment_link_url" in list.fields) {
            const [values] = await orm.read(list.resModel, resIds, ["payment_link_url"]);
            url = values?.payment_link_url;
        }
        const context = {
            ...list.context,
            active_id: resIds[0],
            active_ids: resIds,
            active_model: list.resModel,
        };
        const items = this.env.paymentLinkContextActions.map((boundAction) => ({
            key: `action_${boundAction.id}`,
            label: boundAction.name,
            callback: () =>
                action.doAction(boundAction.id, {
                    additionalContext: context,
                    onClose: () => list.model.load(),
                }),
        }));
        if (url) {
            items.push({
                key: "open_link",
                label: _t("Open link"),
                icon: "fa-external-link",
                callback: () => browser.open(url, "_blank", "noopener,noreferrer"),
            });
        }
        const close = (options = {}) => {
            if (this.closePaymentLinkMenu !== close) {
                return;
            }
            this.closePaymentLinkMenu = null;
            remove();
            if (options.restoreFocus && previousFocus?.isConnected) {
                previousFocus.focus();
            }
        };
        const remove = overlay.add(PaymentLinkContextMenu, {
            x,
            y,
            title: resIds.length > 1 ? _t("%s records selected", resIds.length) : undefined,
            items,
            close,
        });
        this.closePaymentLinkMenu = close;
    },
});
