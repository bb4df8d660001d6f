/** @odoo-module **/

import { Component, onMounted, useExternalListener, useRef } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";

/**
 * A small menu at the pointer's position, for the records of a list or kanban.
 *
 * Keyboard first: it takes the focus, arrows move between items, Enter or
 * Space run one, Escape and Tab close it. A press outside also closes it.
 */
export class PaymentLinkContextMenu extends Component {
    static template = "islebooks_payment_links.PaymentLinkContextMenu";
    static props = {
        x: Number,
        y: Number,
        title: { type: String, optional: true },
        items: {
            type: Array,
            element: {
                type: Object,
                shape: {
                    key: String,
                    label: String,
                    icon: { type: String, optional: true },
                    callback: Function,
                },
            },
        },
        close: Function,
    };

    setup() {
        this.rootRef = useRef("root");
        onMounted(() => {
            this.keepInViewport();
            this.itemElements[0]?.focus();
        });
        // Pointer, not mouse: a finger that held a record to open the menu is no
        // press outside, whatever compatibility mouse events the browser sends.
        useExternalListener(window, "pointerdown", this.onWindowPointerDown, { capture: true });
        // Capture: Escape must close the menu, not also discard the list's edits.
        useExternalListener(window, "keydown", this.onWindowKeydown, { capture: true });
        useExternalListener(window, "resize", () => this.props.close());
        useExternalListener(window, "blur", () => this.props.close());
    }

    get itemElements() {
        return [...(this.rootRef.el?.querySelectorAll("[role=menuitem]") || [])];
    }

    get label() {
        return this.props.title || _t("Actions");
    }

    get style() {
        return `left: ${this.props.x}px; top: ${this.props.y}px;`;
    }

    keepInViewport() {
        const el = this.rootRef.el;
        const { width, height } = el.getBoundingClientRect();
        const left = Math.max(0, Math.min(this.props.x, window.innerWidth - width - 4));
        const top = Math.max(0, Math.min(this.props.y, window.innerHeight - height - 4));
        el.style.left = `${left}px`;
        el.style.top = `${top}px`;
    }

    onWindowPointerDown(ev) {
        if (!this.rootRef.el?.contains(ev.target)) {
            this.props.close();
        }
    }

    onWindowKeydown(ev) {
        if (ev.key === "Escape" || ev.key === "Tab") {
            ev.preventDefault();
            ev.stopPropagation();
            this.props.close({ restoreFocus: true });
            return;
        }
        const items = this.itemElements;
        if (!items.length || !["ArrowDown", "ArrowUp", "Home", "End"].includes(ev.key)) {
            return;
        }
        ev.preventDefault();
        ev.stopPropagation();
        const current = items.indexOf(document.activeElement);
        let next;
        if (ev.key === "Home") {
            next = 0;
        } else if (ev.key === "End") {
            next = items.length - 1;
        } else {
            const step = ev.key === "ArrowDown" ? 1 : -1;
            next = (current + step + items.length) % items.length;
        }
        items[next].focus();
    }

    onItemClick(item) {
        this.props.close({ restoreFocus: true });
        item.callback();
    }
}
