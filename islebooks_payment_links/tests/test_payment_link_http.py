import base64
import re

from lxml import html

from odoo.tests import JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import UNKNOWN_TOKEN, PaymentLinksHttpCommon, make_png


@tagged("post_install", "-at_install")
class TestPaymentLinkPage(PaymentLinksHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._create_invoice(amount=1234.5)
        cls.link = cls.invoice._get_payment_links()
        cls.path = cls._link_path(cls.link)

    def test_valid_link_shows_invoice_and_pay_form(self):
        response = self._get(self.path)
        self.assertEqual(response.status_code, 200)
        self.assertHardened(response)
        body = response.text
        self.assertIn(self.invoice.name, body)
        self.assertIn(self.env.company.name, body)
        self.assertIn("1,234.50", body)
        self.assertIn("Amount due", body)
        self.assertIn("Consulting", body)
        self.assertIn('name="o_payment_submit_button"', body)
        self.assertIn('data-payment-method-code="demo"', body)
        self.assertIn(f'data-transaction-route="{self.path}/transaction"', body)
        self.assertIn(f"{self.path}/pdf", body)
        self.assertIn("Unpaid", body)
        # Staff see when the customer opened it.
        self.assertEqual(self.link.view_count, 1)
        self.assertTrue(self.invoice.payment_link_first_viewed_at)

    def test_company_logo_shown_once(self):
        company = self.env.company
        # The logo is linked (browser-cached), never inlined in the page.
        company.logo = base64.b64encode(make_png())
        logo = f'src="/web/binary/company_logo?company={company.id}"'
        if "website" in self.env:  # optional: the site's own header shows its logo
            self.env.ref("website.default_website").company_id = company
        body = self._get(self.path).text
        self.assertEqual(body.count(logo), 1)
        self.assertIn(company.name, body)

    def test_pages_are_a_checkout_without_the_site_menu(self):
        # As Odoo's shop checkout: nothing to wander off through, on every page
        # of a link (the site's theme still applies: its assets are loaded).
        home = self._get("/").text
        for marker in ('id="top"', 'id="bottom"'):  # Odoo's header and footer
            self.assertIn(marker, home)
            for path in (self.path, f"/pay/{UNKNOWN_TOKEN}"):
                with self.subTest(path=path[:12], marker=marker):
                    self.assertNotIn(marker, self._get(path).text)
        # The site's theme comes with the pages' own styles (see
        # test_pages_load_their_own_bundles_only).
        self.assertIn("islebooks_payment_links.assets_pay", self._get(self.path).text)

    def test_page_readable_without_scripts(self):
        # A phone on a slow network, or with scripts off: the invoice, what it asks
        # and its PDF are in the HTML itself; every script waits for the page
        # (deferred), none blocks its drawing.
        page = html.fromstring(self._get(self.path).text)
        self.assertEqual(
            page.xpath("string(//*[contains(@class, 'o_islebooks_invoice_name')])").strip(),
            self.invoice.name,
        )
        amount = page.xpath("string(//*[contains(@class, 'o_islebooks_amount_due')])")
        self.assertIn("1,234.50", amount)
        download = page.xpath("//a[contains(@class, 'o_islebooks_download_pdf')]")
        self.assertEqual([a.get("href") for a in download], [f"{self.path}/pdf"])
        self.assertIn("Download PDF", download[0].text_content())
        for node in (download[0], *page.xpath("//*[contains(@class, 'o_islebooks_amount_due')]")):
            hidden = node.xpath("ancestor-or-self::*[contains(@class, 'd-none') or @hidden]")
            self.assertFalse(hidden, "shown only once scripts run")
        scripts = page.xpath("//script[@src]")
        self.assertTrue(scripts, "the payment form's scripts")
        for script in scripts:
            self.assertIsNotNone(script.get("defer"), script.get("src"))
        self.assertEqual(page.get("lang"), "en-US")

    def test_pages_load_their_own_bundles_only(self):
        # Not the website's whole frontend (builder, shop, chat): the pages' own
        # styles, and their scripts only where a form needs them.
        body = self._get(self.path).text
        self.assertNotIn("/web.assets_frontend", body)
        self.assertIn("/islebooks_payment_links.assets_pay_js", body)
        self.assertIn("/islebooks_payment_links.assets_pay_page_js", body)
        # The first screen's styles in the head (the page is painted once they
        # are there); the others after the content, fetched without holding the
        # drawing (a print sheet until loaded), and plainly with scripts off.
        page = html.fromstring(body)
        first = "/islebooks_payment_links.assets_pay_first.min.css"
        rest = "/islebooks_payment_links.assets_pay.min.css"
        self.assertEqual(
            [link.get("href").endswith(first) for link in page.xpath("//head/link[@href]")][-1:],
            [True],
        )
        sheets = page.xpath("//body/link[@rel='stylesheet']")
        self.assertEqual([link.get("href").endswith(rest) for link in sheets], [True])
        self.assertEqual(sheets[0].getprevious().tag, "main")
        self.assertEqual(sheets[0].get("media"), "print")
        self.assertEqual(sheets[0].get("onload"), "this.media='all'")
        self.assertRegex(
            body,
            rf'<noscript>\s*<link rel="stylesheet" href="[^"]+{re.escape(rest)}"/>\s*</noscript>',
        )
        not_found = self._get(f"/pay/{UNKNOWN_TOKEN}").text
        self.assertIn(first, not_found)
        self.assertIn(rest, not_found)
        self.assertNotIn("<script src", not_found)
        self.assertNotIn("/web.assets_frontend", not_found)
        # The scripts of a payment form: Odoo's, the providers' (the demo's here)
        # and what they need of web; not the website builder's, nor the tours'.
        bundle = self.env["ir.qweb"]._get_asset_bundle(
            "islebooks_payment_links.assets_pay_js", css=False
        )
        urls = {asset.url for asset in bundle.javascripts}
        for url in (
            "/payment/static/src/js/payment_form.js",
            "/payment_demo/static/src/js/payment_form.js",
            "/account_payment/static/src/js/payment_form.js",
            "/islebooks_payment_links/static/src/js/pay_root.js",
            "/web/static/src/core/orm_service.js",
            "/web/static/src/core/dialog/dialog_service.js",
        ):
            self.assertIn(url, urls)
        self.assertFalse({url for url in urls if url.startswith(("/website/", "/web_tour/"))})
        # Nor what no payment page runs: Bootstrap's carousel or dropdowns, the
        # backend's command palette, a web app's install prompt, the tab title;
        # Bootstrap's tooltips (the form's) and Odoo's dialogs stay.
        for url in (
            "/web/static/lib/bootstrap/js/dist/carousel.js",
            "/web/static/lib/bootstrap/js/dist/dropdown.js",
            "/web/static/src/core/commands/command_palette.js",
            "/web/static/src/core/pwa/pwa_service.js",
            "/web/static/src/core/browser/title_service.js",
        ):
            self.assertNotIn(url, urls)
        for url in (
            "/web/static/lib/bootstrap/js/dist/tooltip.js",
            "/web/static/lib/popper/popper.js",
            "/web/static/src/core/popover/popover_service.js",
        ):
            self.assertIn(url, urls)
        # The tours' bundle keeps what Odoo's tour service needs started (its
        # effects), left out of the customers' one.
        tests_bundle = self.env["ir.qweb"]._get_asset_bundle(
            "islebooks_payment_links.assets_pay_js_tests", css=False
        )
        tests_urls = {asset.url for asset in tests_bundle.javascripts}
        self.assertIn("/web/static/src/core/effects/effect_service.js", tests_urls)
        self.assertNotIn("/web/static/src/core/effects/effect_service.js", urls)

    def test_company_logo_follows_its_changes(self):
        # Whether there is a logo is cached per worker (#16): every change of
        # the logo, the company's or its contact's image, shows on the next view.
        company = self.env.company
        logo = f'src="/web/binary/company_logo?company={company.id}"'
        company.logo = base64.b64encode(make_png())
        self.assertIn(logo, self._get(self.path).text)
        company.logo = False
        self.assertNotIn(logo, self._get(self.path).text)
        company.partner_id.image_1920 = base64.b64encode(make_png())
        self.assertIn(logo, self._get(self.path).text)

    def test_invalid_tokens_all_get_the_same_404(self):
        revoked = self._create_invoice()._get_payment_links()
        revoked.action_revoke()
        expired = self._create_invoice()._get_payment_links()
        expired.expires_at = "2020-01-01 00:00:00"
        tokens = {
            "unknown": "A" * 43,
            "malformed": "not-a-token",
            "revoked": revoked.token,
            "expired": expired.token,
            "tampered": self._tamper(self.link.token),
        }
        bodies = {}
        for case, token in tokens.items():
            response = self._get(f"/pay/{token}")
            self.assertEqual(response.status_code, 404, case)
            self.assertHardened(response)
            # The page may echo the URL the client typed and carries the visitor's
            # anti-CSRF token (a new session per logged-out request); nothing else differs.
            body = response.text.replace(token, "TOKEN")
            body = re.sub(r'csrf_token: "[^"]+"', "csrf_token", body)
            bodies[case] = re.sub(r'name="csrf_token" value="[^"]+"', "csrf_token", body)
            self.assertIn("This link is not valid", bodies[case])
            self.assertNotIn(self.invoice.name, bodies[case])
        self.assertEqual(len(set(bodies.values())), 1, "404 pages differ")
        self.assertEqual(revoked.view_count + expired.view_count, 0)
        for case in ("unknown", "revoked", "tampered"):
            pdf = self._get(f"/pay/{tokens[case]}/pdf")
            self.assertEqual(pdf.status_code, 404, case)
            self.assertHardened(pdf)
            self.assertNotIn("application/pdf", pdf.headers["Content-Type"])

    def test_extra_ids_never_open_another_invoice(self):
        other = self._create_invoice(partner=self.partner_b, amount=777.77)
        other_link = other._get_payment_links()
        for params in (
            f"?invoice_id={other.id}",
            f"?id={other.id}&move_id={other.id}&res_id={other.id}",
            f"?access_token={other._portal_ensure_token()}&invoice_id={other.id}",
            f"?token={other_link.token}",
        ):
            response = self._get(self.path + params)
            self.assertEqual(response.status_code, 200, params)
            self.assertIn("1,234.50", response.text)
            self.assertNotIn("777.77", response.text, params)
            self.assertNotIn(self.partner_b.name, response.text, params)
        response = self._get(f"{self.path}/{other.id}")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("777.77", response.text)

    def test_cancelled_invoice_cannot_be_paid(self):
        invoice = self._create_invoice()
        path = self._invoice_path(invoice)
        invoice.button_draft()
        invoice.button_cancel()
        body = self._get(path).text
        self.assertIn("Cancelled", body)
        self.assertIn("was cancelled", body)
        self.assertNotIn("o_payment_submit_button", body)
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self._post_tx(path)

    def test_draft_invoice_cannot_be_paid(self):
        invoice = self._create_invoice()
        path = self._invoice_path(invoice)
        invoice.button_draft()
        body = self._get(path).text
        self.assertIn("being updated", body)
        self.assertNotIn("o_payment_submit_button", body)

    def test_paid_invoice_shows_paid_without_pay_button(self):
        invoice = self._create_invoice()
        path = self._invoice_path(invoice)
        self._pay_in_full(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        body = self._get(path).text
        self.assertIn("o_islebooks_paid", body)
        self.assertIn("This invoice is paid.", body)
        self.assertNotIn("o_payment_submit_button", body)
        with self.assertRaises(JsonRpcException) as error, mute_logger("odoo.http"):
            self._post_tx(path)
        self.assertIn("ValidationError", str(error.exception))
        self.assertFalse(invoice.transaction_ids)

    def test_pdf_is_the_legal_invoice_pdf(self):
        # The tests' report engine answers HTML unless asked for a real PDF: print
        # the invoice the way Odoo's Print does, with real rendering.
        self.invoice.with_context(force_report_rendering=True)._get_legal_pdf()
        attachment = self.invoice.invoice_pdf_report_id
        self.assertEqual(attachment.res_field, "invoice_pdf_report_file")
        response = self._get(f"{self.path}/pdf?invoice_id={self.invoice.id + 1}")
        self.assertEqual(response.status_code, 200)
        self.assertHardened(response)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertEqual(response.content, attachment.raw)
        self.assertIn(attachment.name, response.headers["Content-Disposition"])

    def test_pdf_is_generated_and_stored_when_missing(self):
        invoice = self._create_invoice()
        path = self._invoice_path(invoice)
        self.assertFalse(invoice.invoice_pdf_report_id)
        response = self._get(f"{path}/pdf")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        invoice.invalidate_recordset()
        attachment = invoice.invoice_pdf_report_id
        self.assertTrue(attachment, "the legal PDF is stored like Print/Send do")
        self.assertEqual(response.content, attachment.raw)
        # Served again, the same stored document (never a fresh pro-forma).
        self.assertEqual(self._get(f"{path}/pdf").content, attachment.raw)


@tagged("post_install", "-at_install")
class TestPaymentLinkTransaction(PaymentLinksHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._create_invoice(amount=250.0)
        cls.path = cls._invoice_path(cls.invoice)

    def _transactions(self):
        return self.env["payment.transaction"].search([("invoice_ids", "in", self.invoice.ids)])

    def test_transaction_uses_server_side_amount(self):
        values = self._post_tx(self.path, amount=1.0, landing_route="/web")
        tx = self.env["payment.transaction"].search([("reference", "=", values["reference"])])
        self.assertEqual(tx.amount, self.invoice.amount_residual)
        self.assertEqual(tx.amount, 250.0)
        self.assertEqual(tx.currency_id, self.invoice.currency_id)
        self.assertEqual(tx.partner_id, self.invoice.partner_id)
        self.assertEqual(tx.invoice_ids, self.invoice)
        self.assertEqual(tx.provider_id, self.demo_provider)
        self.assertEqual(tx.landing_route, self.path, "the posted landing route is ignored")
        self.assertFalse(tx.tokenize)

    def test_tampered_keys_are_refused(self):
        other = self._create_invoice(partner=self.partner_b, amount=5.0)
        eur = self.env.ref("base.EUR")
        for key, value in (
            ("currency_id", eur.id),
            ("partner_id", self.partner_b.id),
            ("invoice_ids", [other.id]),
            ("reference_prefix", "HACK"),
        ):
            with self.subTest(key=key), mute_logger("odoo.http"):
                with self.assertRaises(JsonRpcException) as error:
                    self._post_tx(self.path, **{key: value})
                self.assertIn("ValidationError", str(error.exception))
        self.assertFalse(self._transactions())
        self.assertFalse(other.transaction_ids)

    def test_csrf_token_is_required(self):
        valid = self._csrf(self.path)
        forged = ("1" if valid[0] == "0" else "0") + valid[1:]  # one hex digit of the HMAC
        for csrf in (None, "", "bogus", forged):
            params = self._page_params(self.path)
            if csrf is None:
                del params["csrf_token"]
            else:
                params["csrf_token"] = csrf
            with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as error:
                self.make_jsonrpc_request(f"{self.path}/transaction", params)
            self.assertIn("Forbidden", str(error.exception))
        self.assertFalse(self._transactions())

    def test_invalid_token_gets_no_transaction(self):
        params = self._page_params(self.path)
        response = self._jsonrpc(f"/pay/{self._tamper(self.path[5:])}/transaction", params)
        # The same answer as any unknown link: 404, no transaction.
        self.assertEqual(response.status_code, 404)
        self.assertIn("This payment link is no longer valid.", response.text)
        self.assertFalse(self._transactions())

    def test_payment_form_follows_provider_changes(self):
        # A page remembers which providers it offers between views (see
        # payment.provider._get_payment_link_options), yet a change to a
        # provider shows on the very next view, and in the payment it starts.
        demo = 'data-payment-method-code="demo"'
        for _view in range(2):
            self.assertIn(demo, self._get(self.path).text)
        self.demo_provider.maximum_amount = 200.0  # below the 250.00 due
        self.assertNotIn(demo, self._get(self.path).text)
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self._post_tx(self.path)
        self.demo_provider.maximum_amount = 0.0
        self.assertIn(demo, self._get(self.path).text)
        self.demo_provider.is_published = False
        self.assertNotIn(demo, self._get(self.path).text)
        self.assertFalse(self._transactions())

    def test_provider_of_another_website_is_not_offered(self):
        # As Odoo's own invoice page (website_payment): a provider restricted to
        # another website is neither shown nor accepted.
        demo = 'data-payment-method-code="demo"'
        other_site = self.env["website"].create(
            {"name": "Other site", "company_id": self.demo_provider.company_id.id}
        )
        self.demo_provider.website_id = other_site
        self.assertNotIn(demo, self._get(self.path).text)
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self._post_tx(self.path)
        self.assertFalse(self._transactions())
        self.demo_provider.website_id = False
        self.assertIn(demo, self._get(self.path).text)

    def test_provider_not_enabled_for_company_is_refused(self):
        disabled = self.demo_provider.copy({"name": "Demo (disabled)"})
        self.assertEqual(disabled.state, "disabled")
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self._post_tx(self.path, provider_id=disabled.id)
        self.demo_provider.state = "disabled"
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self._post_tx(self.path)
        self.assertFalse(self._transactions())


@tagged("post_install", "-at_install")
class TestPaymentLinkMultiCompany(PaymentLinksHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Other Company B")["company"]
        cls.invoice_a = cls._create_invoice(amount=100.0)
        cls.invoice_b = cls._create_invoice(
            company=cls.company_b, partner=cls.partner_b, amount=777.77
        )

    def test_each_link_shows_its_own_company_only(self):
        body = self._get(self._invoice_path(self.invoice_b)).text
        self.assertIn("Other Company B", body)
        self.assertIn("777.77", body)
        self.assertNotIn(self.env.company.name, body.replace("Other Company B", ""))
        body = self._get(self._invoice_path(self.invoice_a)).text
        self.assertIn(self.env.company.name, body)
        self.assertNotIn("Other Company B", body)

    def test_link_of_another_company_does_not_open(self):
        link = self.invoice_a._get_payment_links()
        path = self._link_path(link)
        # A link whose company no longer matches its invoice's opens nothing
        # (the ORM refuses such a write: forced in the table).
        self.env.cr.execute(
            "UPDATE islebooks_payment_link SET company_id = %s WHERE id = %s",
            [self.company_b.id, link.id],
        )
        self.env.invalidate_all()
        response = self._get(path)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("100.00", response.text)

    def test_provider_of_another_company_is_refused(self):
        path = self._invoice_path(self.invoice_a)
        provider_b = self.demo_provider.copy({"company_id": self.company_b.id})
        provider_b.state = "test"
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self._post_tx(path, provider_id=provider_b.id)
        self.assertFalse(self.invoice_a.transaction_ids)
