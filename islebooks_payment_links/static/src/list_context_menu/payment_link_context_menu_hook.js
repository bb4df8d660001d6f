/** @odoo-module **/

import { onMounted, onPatched, onWillUnmount, useComponent, useEffect, useSubEnv } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { session } from "@web/session";
import { PaymentLinkContextMenu } from "./payment_link_context_menu";

/**
 * The addon's context menu on the records of a multi-record view (list rows,
 * kanban cards): right-click, the menu key or a long press on a touch screen
 * offers the addon's actions for that record (or for the selection, when the
 * record is part of it), plus "Open link" where the record has a live payment
 * link. Shift + right-click keeps the browser's own menu.
 */

/** A touch held this long without moving opens the menu (ms, px). */
export const LONG_PRESS_DELAY = 500;
export const LONG_PRESS_TOLERANCE = 10;

/**
 * In a view's controller: the addon's actions among the view's bindings.
 *
 * The bindings come with the view (already filtered by the server for this
 * user) and the addon flags its own (see ir.actions.actions.get_bindings), so
 * a view of any other model gets an empty list and no listener at all.
 */
export function usePaymentLinkContextActions() {
    const component = useComponent();
    const actions = (component.props.info.actionMenus?.action || []).filter(
        (action) => action.islebooks_context_menu
    );
    useSubEnv({ paymentLinkContextActions: actions });
}

/**
 * The record of ``list`` (grouped or not) whose datapoint id is ``recordId``,
 * or, given a function, the first record for which it returns true.
 */
export function findRecord(list, recordId) {
    const matches = typeof recordId === "function" ? recordId : (record) => record.id === recordId;
    for (const record of list.records || []) {
        if (matches(record)) {
            return record;
        }
    }
    for (const group of list.groups || []) {
        const record = group.list && findRecord(group.list, matches);
        if (record) {
            return record;
        }
    }
    return null;
}

function isEditable(target) {
    return Boolean(target.closest("input, textarea, select, [contenteditable=true]"));
}

/**
 * In a view's renderer: the context menu on its records.
 *
 * @param {Object} params
 * @param {{ el: HTMLElement }} params.rootRef the renderer's root
 * @param {() => Object} params.getList the renderer's (dynamic) list
 * @param {string} params.recordSelector the element of one record, with the
 *      record's datapoint id in ``data-id`` (``tr.o_data_row``,
 *      ``.o_kanban_record``)
 */
export function usePaymentLinkContextMenu({ rootRef, getList, recordSelector }) {
    const component = useComponent();
    const env = component.env;
    const services = {
        action: useService("action"),
        orm: useService("orm"),
        overlay: useService("overlay"),
    };
    let closeMenu = null;
    let press = null; // the touch being held: { pointerId, x, y, timer, ... }
    let swallowClickUntil = 0;
    // The list whose records are in the DOM. A reload (e.g. after an action of
    // the menu) gives the renderer a new list, with new datapoint ids, one
    // animation frame before the new cards replace the old ones: a press in
    // between is on a card of this list, not yet of getList().
    let shownList = null;
    const onShown = () => {
        shownList = getList();
    };
    onMounted(onShown);
    onPatched(onShown);

    function findTarget(target) {
        const element = target.closest(recordSelector);
        const record = element && findRecord(shownList || getList(), element.dataset.id);
        return record?.resId ? { element, record } : null;
    }

    /** ``record`` as the current list has it: a reload replaces the records. */
    function current(record) {
        if (findRecord(getList(), record.id)) {
            return record;
        }
        return findRecord(getList(), (other) => other.resId === record.resId) || record;
    }

    async function getTargetIds(record) {
        const list = getList();
        if (!record.selected || !list.selection?.length) {
            return [record.resId];
        }
        if (list.isDomainSelected) {
            return services.orm.search(list.resModel, list.domain, {
                limit: session.active_ids_limit,
                context: list.context,
            });
        }
        return list.selection.map((selected) => selected.resId);
    }

    async function openMenu(target, x, y, previousFocus) {
        closeMenu?.();
        // The list may have reloaded since the press started (a long press).
        const record = current(target);
        const list = getList();
        const { action, orm, overlay } = services;
        const resIds = await getTargetIds(record);
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
        const items = env.paymentLinkContextActions.map((boundAction) => ({
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
            if (closeMenu !== close) {
                return;
            }
            closeMenu = null;
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
        closeMenu = close;
    }

    function cancelPress() {
        if (press) {
            browser.clearTimeout(press.timer);
            press = null;
        }
    }

    function firePress() {
        const { record, wasSelected, x, y } = press;
        press.fired = true;
        // On a list, a long touch is also Odoo's own gesture to select rows
        // (ListRenderer.onRowTouchStart): a press that just unselected its row
        // was meant for the selection, not for the menu.
        if (wasSelected && !record.selected) {
            return;
        }
        // A held finger may have started a text selection.
        document.getSelection()?.removeAllRanges();
        openMenu(record, x, y, document.activeElement);
    }

    function onContextMenu(ev) {
        if (press) {
            // A long press that the browser also reports as a context menu
            // (Chrome on Android): one menu, ours, and no text selection.
            ev.preventDefault();
            if (!press.fired) {
                browser.clearTimeout(press.timer);
                firePress();
            }
            return;
        }
        if (ev.shiftKey || isEditable(ev.target)) {
            return;
        }
        const target = findTarget(ev.target);
        if (!target) {
            return;
        }
        ev.preventDefault();
        let { clientX: x, clientY: y } = ev;
        if (!x && !y) {
            // Opened from the keyboard (menu key, Shift+F10): anchor on the record.
            const rect = target.element.getBoundingClientRect();
            x = rect.left + 16;
            y = rect.bottom;
        }
        openMenu(target.record, x, y, document.activeElement);
    }

    function onPointerDown(ev) {
        cancelPress();
        const touch = ev.pointerType === "touch" || ev.pointerType === "pen";
        if (!touch || !ev.isPrimary || isEditable(ev.target)) {
            return;
        }
        const target = findTarget(ev.target);
        if (!target) {
            return;
        }
        press = {
            pointerId: ev.pointerId,
            x: ev.clientX,
            y: ev.clientY,
            record: target.record,
            wasSelected: Boolean(target.record.selected),
            fired: false,
            timer: browser.setTimeout(firePress, LONG_PRESS_DELAY),
        };
    }

    function onPointerMove(ev) {
        if (press && !press.fired && ev.pointerId === press.pointerId) {
            const moved = Math.hypot(ev.clientX - press.x, ev.clientY - press.y);
            if (moved > LONG_PRESS_TOLERANCE) {
                // A scroll or a drag, not a press.
                cancelPress();
            }
        }
    }

    function onPointerEnd(ev) {
        if (press && ev.pointerId === press.pointerId) {
            if (press.fired) {
                // The finger lifting after a long press is no tap on the record.
                swallowClickUntil = Date.now() + LONG_PRESS_DELAY;
            }
            cancelPress();
        }
    }

    function onClick(ev) {
        if (swallowClickUntil && Date.now() < swallowClickUntil) {
            ev.preventDefault();
            ev.stopPropagation();
        }
        swallowClickUntil = 0;
    }

    useEffect(
        (el) => {
            if (!el || !env.paymentLinkContextActions?.length) {
                return;
            }
            const listeners = [
                ["contextmenu", onContextMenu, false],
                ["pointerdown", onPointerDown, false],
                ["pointermove", onPointerMove, false],
                ["pointerup", onPointerEnd, false],
                ["pointercancel", onPointerEnd, false],
                ["click", onClick, true],
            ];
            for (const [type, listener, capture] of listeners) {
                el.addEventListener(type, listener, capture);
            }
            return () => {
                cancelPress();
                for (const [type, listener, capture] of listeners) {
                    el.removeEventListener(type, listener, capture);
                }
            };
        },
        () => [rootRef.el]
    );
    onWillUnmount(() => closeMenu?.());
}
