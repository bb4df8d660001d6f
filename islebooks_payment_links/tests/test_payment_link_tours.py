from odoo.tests import tagged

from .common import PaymentLinksHttpCommon


@tagged("post_install", "-at_install")
class TestPaymentLinkTours(PaymentLinksHttpCommon):
    def test_staff_copies_two_invoice_urls(self):
        invoices = self._create_invoices(2)
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "islebooks_copy_invoice_urls",
            login="accountman",
        )
        links = invoices.payment_link_ids
        self.assertEqual(len(links), 2, "Copy Invoice URL made one link per invoice")
        self.assertEqual(set(links.mapped("state")), {"active"})
        # Share… (the tour stubs the share sheet) noted the share on each invoice.
        for invoice in invoices:
            self.assertEqual(
                invoice.message_ids[:1].body,
                "<p>Payment link shared from the device's share sheet by "
                f"{self.env.user.name}.</p>",
            )

    def test_customer_pays_with_demo_provider(self):
        invoice = self._create_invoice(amount=321.0)
        path = self._invoice_path(invoice)
        self.start_tour(path, "islebooks_pay_invoice_demo")
        tx = invoice.transaction_ids
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.provider_id, self.demo_provider)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.amount, 321.0)
        self.assertTrue(tx.is_post_processed)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        response = self.url_open(path)
        self.assertIn("o_islebooks_paid", response.text)
        self.assertNotIn("o_payment_submit_button", response.text)

    def test_customer_pays_with_demo_on_lazy_scripts(self):
        """The page as customers get it (not test mode's eager scripts, see the
        layout's islebooks_production_scripts cookie): Odoo's payment form is not
        loaded until the customer touches it; the Demo method tapped then is opened
        by the form once it has started, and the payment goes through."""
        # A second method (wire transfer), so that none is chosen beforehand: with
        # a single one the scripts are fetched after the page's load, not on touch.
        transfer = self.env.ref("payment.payment_provider_transfer").sudo()
        transfer.write({"company_id": self.company.id, "state": "enabled", "is_published": True})
        transfer.payment_method_ids.active = True
        invoice = self._create_invoice(amount=321.0)
        # Plain JavaScript (no tour service on this path), steps as the Demo tour's.
        code = """
        (async () => {
            const until = async (check, what) => {
                const start = Date.now();
                while (!check()) {
                    if (Date.now() - start > 30000) {
                        throw new Error(`Timed out waiting for ${what}`);
                    }
                    await new Promise((resolve) => setTimeout(resolve, 50));
                }
            };
            const FORM_MODULE = "@payment/js/payment_form";
            const form = document.querySelector("#o_payment_form");
            const lazy = document.querySelector("script[data-src*='assets_pay_js']");
            if (!form || !lazy) {
                throw new Error("No payment form, or its scripts are not lazy");
            }
            await until(() => document.readyState === "complete", "the page's load");
            await new Promise((resolve) => setTimeout(resolve, 300));
            const radios = form.querySelectorAll("input[name='o_payment_radio']");
            if (radios.length < 2 || form.querySelector("input[name='o_payment_radio']:checked")) {
                throw new Error(`Expected 2 methods, none chosen: ${radios.length}`);
            }
            // Odoo's module loader itself comes with them.
            if (lazy.getAttribute("src") || odoo.loader) {
                throw new Error("The payment form's scripts loaded before any touch");
            }
            form.querySelector("input[data-payment-method-code='demo']").click();
            if (!lazy.getAttribute("src") || !form.classList.contains("o_islebooks_form_loading")) {
                throw new Error("Tapping the form did not fetch its scripts");
            }
            await until(
                () => odoo.loader && odoo.loader.modules.has(FORM_MODULE),
                "the payment form's module"
            );
            await until(
                () => !form.classList.contains("o_islebooks_form_loading"),
                "the form to start (busy state cleared)"
            );
            // Its translations were asked for with its scripts, once.
            const translations = performance
                .getEntriesByType("resource")
                .filter((entry) => entry.name.includes("/translations/"));
            if (translations.length !== 1) {
                throw new Error(`Translations fetched ${translations.length} times`);
            }
            // The Demo method, tapped before the scripts came, is opened.
            await until(() => form.querySelector("input[name='customer_input']"), "the Demo form");
            const card = form.querySelector("input[name='customer_input']");
            card.value = "4242424242424242";
            card.dispatchEvent(new Event("input", { bubbles: true }));
            card.dispatchEvent(new Event("change", { bubbles: true }));
            const pay = form.querySelector("button[name='o_payment_submit_button']");
            await until(() => !pay.disabled, "Pay to be enabled");
            // Done when the Demo payment is simulated on the server (the page
            // then leaves for /payment/status, where this code no longer runs).
            const send = XMLHttpRequest.prototype.send;
            XMLHttpRequest.prototype.send = function (...args) {
                this.addEventListener("load", () => {
                    if (this.responseURL.includes("/payment/demo/simulate_payment")) {
                        const { error } = JSON.parse(this.responseText);
                        if (error) {
                            console.error(`test failed: ${JSON.stringify(error)}`);
                        } else {
                            console.log("test successful");
                        }
                    }
                });
                return send.apply(this, args);
            };
            pay.click();
        })().catch((error) => console.error(`test failed: ${error.message}`));
        void 0;
        """
        self.browser_js(
            self._invoice_path(invoice),
            code,
            ready="document.body.classList.contains('o_islebooks_pay_ready')",
            cookies={"islebooks_production_scripts": "1"},
        )
        tx = invoice.transaction_ids
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.provider_id, self.demo_provider)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.amount, 321.0)
        # What Odoo's payment status page, where the page went, does next (its
        # poll): the invoice is paid.
        tx._post_process()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
