/** @odoo-module **/

import { PublicRoot, createPublicRoot } from "@web/legacy/js/public/public_root";
import lazyloader from "@web/legacy/js/public/lazyloader";

/**
 * The public root of the customer pages' own scripts (assets_pay_js): it
 * starts Odoo's services and the public widgets found on the page (the payment
 * form, a provider's form, the pages' widgets), as Odoo's public_root_instance
 * does for the website's frontend bundle, which these pages do not load. The
 * bundle is fetched on the customer's first touch of the payment form
 * (pay_page.js): once its widgets have started, the form is no longer busy.
 */
const prom = createPublicRoot(PublicRoot).then((root) => {
    for (const form of document.querySelectorAll(".o_islebooks_form_loading")) {
        form.classList.remove("o_islebooks_form_loading");
    }
    return root;
});
lazyloader.registerPageReadinessDelay(prom);
export default prom;
