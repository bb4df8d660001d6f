/** @odoo-module ignore **/

/**
 * The customer pages' own behaviour, in a few lines of plain JavaScript run once
 * the page is parsed (a deferred script, bundle assets_pay_page_js): none of
 * Odoo's framework is downloaded for it, so a page without a payment form (the
 * Customer Portal) is ready as soon as it is drawn. Without it everything still
 * works: the forms are plain forms the server checks.
 *
 * - Customer Portal: the total of the ticked invoices, a warning when their
 *   currencies differ (the server refuses them too), Pay and ZIP enabled only
 *   when they can do something.
 * - Bank details: Copy buttons (or the text selected where the browser refuses
 *   the clipboard, on plain-http sites); in the transfer form, the amount follows
 *   the invoices ticked (the server checks it again).
 *
 * Words are the page's own (translated by the server): .o_islebooks_copy_texts.
 */
(function () {
    "use strict";

    function updateSelection(form) {
        const selected = [...form.querySelectorAll(".o_islebooks_select:checked")];
        const currencies = new Set(selected.map((input) => input.dataset.currency));
        const totalEl = form.querySelector(".o_islebooks_selection_total");
        const warningEl = form.querySelector(".o_islebooks_currency_warning");
        const payButton = form.querySelector(".o_islebooks_pay_selected");
        const zipButton = form.querySelector(".o_islebooks_zip");
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
    }

    function text(key, fallback) {
        const el = document.querySelector(`.o_islebooks_copy_texts [data-key='${key}']`);
        return el ? el.textContent.trim() : fallback;
    }

    async function copy(button) {
        const label = button.querySelector(".o_islebooks_copy_label");
        const original = label.textContent;
        try {
            await navigator.clipboard.writeText(button.dataset.copy);
            label.textContent = text("copied", "Copied");
        } catch {
            // Plain-http sites have no clipboard API: select the text instead.
            const value = button.parentElement.querySelector(".o_islebooks_copy_value");
            const range = document.createRange();
            range.selectNodeContents(value);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            label.textContent = text("selected", "Selected");
        }
        setTimeout(() => (label.textContent = original), 2000);
    }

    function updateConfirmationAmount(section) {
        const checked = section.querySelectorAll("input[name='invoice_ids']:checked");
        const amountInput = section.querySelector("input[name='amount']");
        if (!amountInput) {
            return;
        }
        let total = 0;
        for (const input of checked) {
            total += parseFloat(input.dataset.residual) || 0;
        }
        const decimals = parseInt(amountInput.dataset.decimals ?? "2");
        amountInput.value = checked.length ? total.toFixed(decimals) : "";
    }

    for (const form of document.querySelectorAll(".o_islebooks_portal_form")) {
        updateSelection(form);
        form.addEventListener("change", (ev) => {
            if (ev.target.matches(".o_islebooks_select")) {
                updateSelection(form);
            }
        });
    }
    for (const section of document.querySelectorAll(".o_islebooks_confirmation")) {
        section.addEventListener("click", (ev) => {
            const button = ev.target.closest(".o_islebooks_copy");
            if (button) {
                copy(button);
            }
        });
        section.addEventListener("change", (ev) => {
            if (ev.target.matches("input[name='invoice_ids']")) {
                updateConfirmationAmount(section);
            }
        });
    }
    // Odoo's payment form and the providers' forms (assets_pay_js, rendered with
    // the bundle's URL in data-src: lazy_load) are fetched on the customer's first
    // touch of the payment form: reading the invoice or downloading it costs none
    // of their bytes. The radios are plain HTML: a method tapped meanwhile is
    // checked, and the form opens it when it starts. Where the only method is
    // chosen already (the next tap is Pay), they are fetched after the page's
    // load, as Odoo's lazy loader fetches its scripts.
    // Odoo's localization service fetches the page's translations once the
    // scripts have run: asked for beside them, they are there when it does (the
    // service's URL, from the session information and the page's language, as
    // the service builds it, so that the browser hands it the preloaded answer).
    function pyLocale(locale) {
        try {
            const { language, script, region } = new Intl.Locale(locale);
            const suffix = { Cyrl: "@Cyrl", Latn: "@latin" }[script] || "";
            return (language === "fil" ? "tl" : language) + (region ? `_${region}` : "") + suffix;
        } catch {
            return locale;
        }
    }
    function preloadTranslations() {
        const session = (window.odoo && window.odoo.__session_info__) || {};
        const hash = (session.cache_hashes || {}).translations;
        const lang = document.documentElement.getAttribute("lang");
        if (!hash || !lang) {
            return;
        }
        const link = document.createElement("link");
        link.rel = "preload";
        link.as = "fetch";
        link.crossOrigin = "anonymous";
        link.href = `${session.translationURL || "/web/webclient/translations"}/${hash}?lang=${pyLocale(lang)}`;
        document.head.appendChild(link);
    }

    const paymentForm = document.querySelector("#o_payment_form");
    const lazyScripts = [...document.querySelectorAll("script[data-src]")];
    if (paymentForm && lazyScripts.length) {
        const events = ["pointerdown", "touchstart", "keydown", "focusin", "click"];
        let fetched = false;
        const fetchScripts = () => {
            if (fetched) {
                return;
            }
            fetched = true;
            for (const type of events) {
                paymentForm.removeEventListener(type, fetchScripts, true);
            }
            paymentForm.classList.add("o_islebooks_form_loading");
            preloadTranslations();
            for (const script of lazyScripts) {
                script.src = script.dataset.src;
                script.removeAttribute("data-src");
            }
        };
        for (const type of events) {
            paymentForm.addEventListener(type, fetchScripts, { capture: true, passive: true });
        }
        if (paymentForm.querySelector("input[name='o_payment_radio']:checked")) {
            if (document.readyState === "complete") {
                fetchScripts();
            } else {
                window.addEventListener("load", fetchScripts, { once: true });
            }
        }
    }
    document.body.classList.add("o_islebooks_pay_ready");
})();
