import io
import re
import zipfile
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import format_amount, mute_logger
from odoo.tools.misc import format_date

from ..tools.formatting import PageFormatter
from .common import PaymentLinksHttpCommon


@tagged("post_install", "-at_install")
class TestPortalHttp(PaymentLinksHttpCommon):
    """The customer portal as a customer (and an attacker) sees it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.partner_a
        cls.contact = cls.env["res.partner"].create(
            {"name": "Ann Buyer", "parent_id": cls.customer.id, "type": "contact"}
        )
        cls.other = cls.partner_b
        today = fields.Date.today()
        # Due in a month: not overdue even when the run crosses midnight before a test reads it.
        cls.inv_a1 = cls._create_invoices(1, cls.customer, 100.0, date_due=today + timedelta(30))
        # Due five days ago: overdue.
        cls.inv_a2 = cls._create_invoices(1, cls.contact, 200.0, invoice_date=today - timedelta(5))
        cls.inv_b = cls._create_invoices(1, cls.other, 300.0)
        cls.draft = cls._create_invoices(1, cls.customer, 400.0, post=False)
        cls.cancelled = cls._create_invoices(1, cls.customer, 500.0)
        cls.cancelled.button_draft()
        cls.cancelled.button_cancel()
        cls.bill = cls._create_invoices(1, cls.customer, 600.0, move_type="in_invoice")
        cls.refund = cls._create_invoices(1, cls.customer, 50.0, move_type="out_refund")
        cls.paid = cls._create_invoices(1, cls.customer, 70.0, invoice_date=today - timedelta(40))
        cls._pay_in_full(cls.paid)
        cls.link = cls.customer._get_portal_payment_links()
        cls.other_link = cls.other._get_portal_payment_links()

    def _granted_hrefs(self, body):
        return {
            move.id
            for move in (
                self.inv_a1,
                self.inv_a2,
                self.inv_b,
                self.draft,
                self.cancelled,
                self.bill,
                self.refund,
                self.paid,
            )
            if f'{self.link.token}/invoice/{move.id}"' in body
        }

    # ------------------------------------------------------------------
    # The page
    # ------------------------------------------------------------------

    def test_portal_page_shows_the_customer_account(self):
        response = self.url_open(self._link_path(self.link))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Referrer-Policy"], "no-referrer")
        self.assertIn("noindex", response.headers["X-Robots-Tag"])
        body = response.text
        self.assertIn(self.customer.name, body)
        # The company's and its contacts' invoices, posted customer documents only.
        self.assertEqual(
            self._granted_hrefs(body),
            {self.inv_a1.id, self.inv_a2.id, self.refund.id, self.paid.id},
        )
        self.assertNotIn(self.inv_b.name, body)
        self.assertNotIn(self.bill.name, body)
        self.assertNotIn(self.cancelled.name, body)
        # Outstanding 300.00 less the open credit note (50.00), 200.00 overdue (the
        # contact's invoice); the credit note is available credit, not history (#18).
        self.assertRegex(body, r"o_islebooks_net_amount[\s\S]{0,200}250\.00")
        self.assertRegex(body, r"o_islebooks_credit\b[\s\S]{0,200}50\.00")
        summary = body[
            body.index("o_islebooks_portal_summary") : body.index("o_islebooks_portal_unpaid")
        ]
        self.assertRegex(summary, r"o_islebooks_overdue_total[^>]*>\s*Overdue:[\s\S]{0,200}200\.00")
        self.assertRegex(
            body, rf'o_islebooks_overdue[^"]*"\s+data-invoice-name="{self.inv_a2.name}"'
        )
        self.link.invalidate_recordset()
        self.assertEqual(self.link.view_count, 1)
        self.assertTrue(self.link.first_viewed_at)

    def test_rows_read_as_odoo_widgets_write_them(self):
        # The rows' amounts and dates are formatted once per page (#16): exactly
        # what Odoo's monetary and date widgets write, in every language.
        self.env["res.lang"]._activate_lang("fr_FR")
        jpy = self.setup_other_currency("JPY")
        eur = self.setup_other_currency("EUR")
        eur.position = "after"
        day = fields.Date.to_date("2026-02-03")
        for lang in ("en_US", "fr_FR"):
            env = self.env(context=dict(self.env.context, lang=lang))
            formatter = PageFormatter(env)
            for currency in (self.company.currency_id, eur, jpy):
                for value in (0.0, 0.005, 7.5, -1234.5, 1234567.891, -0.004):
                    self.assertEqual(
                        formatter.amount(value, currency),
                        env["ir.qweb.field.monetary"].value_to_html(
                            value, {"display_currency": currency}
                        ),
                        f"{lang} {currency.name} {value}",
                    )
            self.assertEqual(formatter.date(day), format_date(env, day))
            self.assertEqual(formatter.date(False), "")
        # On the page: the contact's overdue invoice, its amount and dates.
        body = self.url_open(self._link_path(self.link)).text
        row = body[body.index(f'data-invoice-name="{self.inv_a2.name}"') :]
        row = row[: row.index("</li>")]
        money = self.env["ir.qweb.field.monetary"].value_to_html(
            200.0, {"display_currency": self.company.currency_id}
        )
        self.assertRegex(row, r"o_islebooks_row_due[^>]*>\s*" + re.escape(str(money)))
        self.assertIn(format_date(self.env, self.inv_a2.invoice_date), row)
        self.assertIn(format_date(self.env, self.inv_a2.invoice_date_due), row)
        self.assertIn("Overdue</span>", row)

    def test_row_links_keep_the_page_language(self):
        # The rows' links are written once with the website's language prefix.
        fr = self.env["res.lang"]._activate_lang("fr_FR")
        self.env["website"].search([]).write({"language_ids": [(4, fr.id)]})
        body = self.url_open(f"/fr{self._link_path(self.link)}").text
        for move in (self.inv_a1, self.inv_a2, self.refund, self.paid):
            self.assertIn(f'href="/fr/pay/{self.link.token}/invoice/{move.id}"', body)
            self.assertIn(f'href="/fr/pay/{self.link.token}/invoice/{move.id}/pdf"', body)
        # In the site's default language (the visit above left a French cookie).
        self.opener.cookies.clear()
        body = self.url_open(self._link_path(self.link)).text
        self.assertIn(f'href="/pay/{self.link.token}/invoice/{self.inv_a1.id}"', body)
        self.assertNotIn(f"/fr/pay/{self.link.token}/invoice/", body)

    def _badges(self, invoice):
        """The status badge of ``invoice`` on its own page and on its portal row."""
        badge = r'class="badge [^"]*"[^>]*>([^<]+)</span>'
        page = self.url_open(self._invoice_path(invoice)).text
        page = page[page.index("o_islebooks_invoice_name") :]
        body = self.url_open(self._link_path(self.link)).text
        row = body[body.index(f'data-invoice-name="{invoice.name}"') :]
        row = row[: row.index("</li>")]
        return re.search(badge, page).group(1), re.search(badge, row).group(1)

    def test_status_is_the_same_on_the_invoice_page_and_the_portal(self):
        # One status (account.move._get_status_badges) for both pages, on the day
        # of the customer's time zone: the day a due date passes, neither page
        # may read the server's date (#16). Whichever of these two zones (UTC+14,
        # UTC-11) is on another day than UTC right now.
        server_today = fields.Date.today()
        for tz in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
            customer_today = fields.Date.context_today(self.customer.with_context(tz=tz))
            if customer_today != server_today:
                break
        self.customer.tz = tz
        invoice = self._create_invoices(
            1, self.customer, 80.0, invoice_date=min(customer_today, server_today)
        )
        # Due on the server's day but yesterday for the customer: overdue;
        # due today for the customer but yesterday on the server: not yet.
        expected = "Overdue" if customer_today > server_today else "Unpaid"
        self.assertEqual(invoice.invoice_date_due, min(customer_today, server_today))
        self.assertEqual(self._badges(invoice), (expected, expected))
        # A payment pending at the provider: "Payment processing" on both.
        self._post_tx(self._invoice_path(invoice))
        tx = self.env["payment.transaction"].search([("invoice_ids", "in", invoice.ids)])
        tx.sudo()._set_pending()
        self.assertEqual(self._badges(invoice), ("Payment processing", "Payment processing"))
        # Paid: both pages say so (the portal lists it in the paid history).
        tx.sudo()._set_done()
        tx.sudo()._post_process()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self._badges(invoice), ("Paid", "Paid"))

    def test_unpaid_sortable_by_due_date(self):
        body = self.url_open(self._link_path(self.link, "?sort=due")).text
        self.assertLess(body.index(self.inv_a2.name), body.index(self.inv_a1.name))
        body = self.url_open(self._link_path(self.link, "?sort=-due")).text
        self.assertLess(body.index(self.inv_a1.name), body.index(self.inv_a2.name))

    def test_paid_history_paginated_newest_first(self):
        customer = self.env["res.partner"].create({"name": "Many Notes Ltd"})
        today = fields.Date.today()
        notes = self.env["account.move"]
        for day in range(25):
            notes |= self._create_invoices(
                1,
                customer,
                10.0,
                move_type="out_refund",
                invoice_date=today - timedelta(day),
                post=False,
            )
        notes.action_post()
        # Refunded: settled credit notes are history (open ones are credit, #18).
        self._pay_in_full(notes)
        link = customer._get_portal_payment_links()
        page1 = self.url_open(self._link_path(link)).text
        page2 = self.url_open(self._link_path(link, "?page=2")).text
        self.assertEqual(page1.count("o_islebooks_paid_row"), 20)
        self.assertEqual(page2.count("o_islebooks_paid_row"), 5)
        # notes[0] is today's: first of page 1; the 5 oldest are on page 2.
        self.assertLess(page1.index(notes[0].name), page1.index(notes[19].name))
        self.assertIn(notes[24].name, page2)
        self.assertNotIn(notes[24].name, page1)
        self.assertIn("Page 2 / 2", page2)

    def test_unpaid_paginated_each_list_keeping_the_other_page(self):
        customer = self.env["res.partner"].create({"name": "Many Bills Ltd"})
        today = fields.Date.today()
        invoices = self.env["account.move"]
        for day in range(23):
            invoices |= self._create_invoices(
                1, customer, 10.0, invoice_date=today - timedelta(30 - day), post=False
            )
        invoices.action_post()
        link = customer._get_portal_payment_links()
        page1 = self.url_open(self._link_path(link)).text
        page2 = self.url_open(self._link_path(link, "?unpaid_page=2&page=1")).text
        self.assertEqual(page1.count("o_islebooks_unpaid_row"), 20)
        self.assertEqual(page2.count("o_islebooks_unpaid_row"), 3)
        # Oldest due first: the three due last are on page 2, and only there.
        for invoice in invoices[20:]:
            self.assertIn(invoice.name, page2)
            self.assertNotIn(f'data-invoice-name="{invoice.name}"', page1)
        self.assertIn("Page 2 / 2", page2)
        # The totals and "Pay all" cover every open invoice, not only this page.
        self.assertRegex(page1, r"o_islebooks_outstanding[\s\S]{0,600}230\.00")
        self.assertRegex(page1, r"o_islebooks_pay_all[^>]*>\s*Pay all\s*\(23\)")
        # Pagers keep the sort and the other list's page; nonsense pages fall back.
        self.assertIn("sort=-due&amp;unpaid_page=1&amp;page=1", page1)
        self.assertIn("sort=due&amp;unpaid_page=1&amp;page=1", page2)
        for junk in ("abc", "-3", "99999999999", "0"):
            response = self.url_open(self._link_path(link, f"?unpaid_page={junk}&page={junk}"))
            self.assertEqual(response.status_code, 200, junk)
            self.assertIn(invoices[0].name, response.text)

    def test_pay_all_pays_every_open_invoice_of_a_currency(self):
        eur = self.setup_other_currency("EUR")
        inv_eur = self._create_invoices(1, self.customer, 80.0, currency=eur)
        body = self.url_open(self._link_path(self.link)).text
        # One "Pay all" per currency, each naming it.
        self.assertEqual(body.count("o_islebooks_pay_all"), 2)
        self.assertRegex(body, r"Pay all\s*USD\s*\(2\)")
        self.assertRegex(body, r"Pay all\s*EUR\s*\(1\)")
        usd = self.company.currency_id
        checkout = self.url_open(self._link_path(self.link, f"/checkout?currency={usd.id}"))
        self.assertEqual(checkout.status_code, 200)
        self.assertRegex(checkout.text, r"o_islebooks_checkout_total[\s\S]{0,200}250\.00")
        self.assertIn(f"/pay/{self.link.token}/transaction/all-{usd.id}", checkout.text)
        self.assertNotIn(inv_eur.name, checkout.text)
        csrf = self._csrf(self._link_path(self.link))
        # The amount is the server's: a stale or tampered total is refused.
        result = self._jsonrpc(
            self._link_path(self.link, f"/transaction/all-{usd.id}"),
            self._pay_params(200.0, csrf_token=csrf),
        ).json()
        self.assertIn("amount to pay has changed", result["error"]["data"]["message"])
        result = self._jsonrpc(
            self._link_path(self.link, f"/transaction/all-{usd.id}"),
            self._pay_params(250.0, csrf_token=csrf),
        ).json()
        self.assertNotIn("error", result, result)
        tx = self.env["payment.transaction"].search(
            [("islebooks_payment_link_id", "=", self.link.id)]
        )
        self.assertEqual(tx.invoice_ids, self.inv_a1 | self.inv_a2)
        self.assertEqual((tx.amount, tx.currency_id), (250.0, usd))

    def test_pay_all_refuses_what_the_link_does_not_grant(self):
        gbp = self.setup_other_currency("GBP", rates=[("2016-01-01", 0.5)])
        csrf = self._csrf(self._link_path(self.link))
        # A currency the customer owes nothing in, junk, or another customer's.
        self._create_invoices(1, self.other, 90.0, currency=gbp)
        for currency in (str(gbp.id), "abc", "", "-1", "1e3", "9" * 30):
            response = self.url_open(self._link_path(self.link, f"/checkout?currency={currency}"))
            self.assertEqual(response.status_code, 404, currency)
            self.assertNotIn(self.other.name, response.text)
        for selection in (f"all-{gbp.id}", "all-", "all-x", "all-1-2", "all-" + "9" * 30):
            result = self._jsonrpc(
                self._link_path(self.link, f"/transaction/{selection}"),
                self._pay_params(90.0, csrf_token=csrf),
            ).json()
            self.assertIn("cannot be paid through this link", result["error"]["data"]["message"])
        self.assertFalse(
            self.env["payment.transaction"].search_count(
                [("islebooks_payment_link_id", "=", self.link.id)]
            )
        )

    def test_unknown_revoked_expired_links_give_the_same_404(self):
        link = self.env["res.partner"].create({"name": "Gone Co"})._get_portal_payment_links()
        expired = self.env["res.partner"].create({"name": "Late Co"})._get_portal_payment_links()
        expired.expires_at = fields.Datetime.now() - timedelta(minutes=1)
        link.action_revoke()
        for token in (link.token, expired.token, self.link.token[:-1] + "x", "short"):
            for suffix in ("", "/checkout", "/zip", "/statement", f"/invoice/{self.inv_a1.id}"):
                response = self.url_open(f"/pay/{token}{suffix}")
                self.assertEqual(response.status_code, 404, f"{suffix} {token}")
                self.assertIn("This link is not valid", response.text)

    def test_regenerate_stops_the_old_link_at_once(self):
        old_token = self.link.token
        new_link = self.link._regenerate()
        self.assertNotEqual(new_link.token, old_token)
        self.assertEqual(self.url_open(f"/pay/{old_token}").status_code, 404)
        self.assertEqual(self.url_open(self._link_path(new_link)).status_code, 200)

    # ------------------------------------------------------------------
    # One invoice of the portal, PDF and ZIP
    # ------------------------------------------------------------------

    def test_invoice_page_inside_the_portal(self):
        response = self.url_open(self._link_path(self.link, f"/invoice/{self.inv_a2.id}"))
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.inv_a2.name, response.text)
        self.assertIn(f'/pay/{self.link.token}/transaction/{self.inv_a2.id}"', response.text)
        self.assertIn(f'href="/pay/{self.link.token}"', response.text)  # back to the list
        for move in (self.inv_b, self.draft, self.cancelled, self.bill):
            response = self.url_open(self._link_path(self.link, f"/invoice/{move.id}"))
            self.assertEqual(response.status_code, 404, move.move_type)
        response = self.url_open(self._link_path(self.link, "/invoice/999999999"))
        self.assertEqual(response.status_code, 404)
        # Another customer's link cannot open this customer's invoice.
        response = self.url_open(self._link_path(self.other_link, f"/invoice/{self.inv_a1.id}"))
        self.assertEqual(response.status_code, 404)

    def test_scopes_do_not_mix(self):
        invoice_link = self.inv_a1._get_payment_links()
        self.assertEqual(
            self.url_open(f"/pay/{invoice_link.token}/invoice/{self.inv_a1.id}").status_code, 404
        )
        self.assertEqual(self.url_open(self._link_path(self.link, "/pdf")).status_code, 404)
        response = self.url_open(f"/pay/{invoice_link.token}/zip?invoice_ids={self.inv_a1.id}")
        self.assertEqual(response.status_code, 404)

    def test_pdf_and_zip_download(self):
        # Real PDFs (tests render reports as HTML unless forced), stored as Print does.
        for move in self.inv_a1 | self.refund:
            move.with_context(force_report_rendering=True)._get_legal_pdf()
        response = self.url_open(self._link_path(self.link, f"/invoice/{self.inv_a1.id}/pdf"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertEqual(
            self.url_open(self._link_path(self.link, f"/invoice/{self.inv_b.id}/pdf")).status_code,
            404,
        )
        response = self.url_open(
            self._link_path(
                self.link, f"/zip?invoice_ids={self.inv_a1.id}&invoice_ids={self.refund.id}"
            )
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/zip")
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            names = archive.namelist()
            self.assertEqual(len(names), 2)
            self.assertTrue(all(archive.read(name).startswith(b"%PDF") for name in names))
        self.assertTrue(any(self.refund.name.replace("/", "_") in name for name in names))
        # One foreign or draft id refuses the whole archive.
        for foreign in (self.inv_b, self.draft, self.bill):
            response = self.url_open(
                self._link_path(self.link, f"/zip?invoice_ids={self.inv_a1.id},{foreign.id}")
            )
            self.assertEqual(response.status_code, 404)
        response = self.url_open(self._link_path(self.link, "/zip?invoice_ids=1;2"))
        self.assertEqual(response.status_code, 404)

    def test_einvoice_xml_in_downloads(self):
        """A company issuing e-invoices (UBL BIS 3 here, Community's
        account_edi_ubl_cii, as Odoo's own test_download_docs sets it up): the
        ZIP and the invoice's own download carry the XML beside the legal PDF."""
        self.inv_a1._get_legal_pdf()  # issued before: a PDF, no XML
        self.customer.country_id = self.env.ref("base.be")
        self.customer.invoice_edi_format = "ubl_bis3"
        # UBL BIS 3 asks one tax per line.
        vat = self.env["account.tax"].create({"name": "VAT 21%", "amount": 21})
        einvoiced = self._create_invoices(1, self.customer, 80.0, taxes=vat)
        # Prepared the way a first Download does (no XML without the legal PDF).
        einvoiced._get_legal_pdf()
        self.assertTrue(einvoiced.ubl_cii_xml_id)
        xml_name = einvoiced.ubl_cii_xml_id.name
        page = self.url_open(self._link_path(self.link, f"/invoice/{einvoiced.id}")).text
        xml_path = self._link_path(self.link, f"/invoice/{einvoiced.id}/xml")
        self.assertIn(f'href="{xml_path}"', page)
        self.assertIn("Download e-invoice (XML)", page)
        response = self.url_open(xml_path)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/xml")
        self.assertIn(xml_name, response.headers["Content-Disposition"])
        self.assertIn(b"<Invoice", response.content)
        self.assertIn(einvoiced.name.encode(), response.content)
        # The ZIP: the XML beside each legal PDF, for the invoices that have one.
        response = self.url_open(
            self._link_path(self.link, f"/zip?invoice_ids={einvoiced.id},{self.inv_a1.id}")
        )
        self.assertEqual(response.status_code, 200)
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            names = archive.namelist()
            self.assertEqual(len(names), 3, names)
            self.assertIn(xml_name, names)
            self.assertIn(b"<Invoice", archive.read(xml_name))
        # The invoice's own link too.
        invoice_link = einvoiced._get_payment_links()
        self.assertIn(
            f'href="/pay/{invoice_link.token}/xml"',
            self.url_open(f"/pay/{invoice_link.token}").text,
        )
        response = self.url_open(f"/pay/{invoice_link.token}/xml")
        self.assertEqual(response.status_code, 200)
        self.assertIn(b"<Invoice", response.content)
        # No XML: no link and a 404 (an invoice issued before, a foreign or
        # cancelled one); never another customer's XML through this link.
        page = self.url_open(self._link_path(self.link, f"/invoice/{self.inv_a1.id}")).text
        self.assertNotIn("/xml", page)
        self.assertNotIn("Download e-invoice (XML)", page)
        self.other.country_id = self.env.ref("base.be")
        self.other.invoice_edi_format = "ubl_bis3"
        foreign = self._create_invoices(1, self.other, 90.0, taxes=vat)
        foreign._get_legal_pdf()
        self.assertTrue(foreign.ubl_cii_xml_id)
        for move in (self.inv_a1, foreign, self.cancelled, self.draft):
            response = self.url_open(self._link_path(self.link, f"/invoice/{move.id}/xml"))
            self.assertEqual(response.status_code, 404, move.name)
            self.assertNotIn(b"<Invoice", response.content)
        response = self.url_open(
            self._link_path(self.link, f"/zip?invoice_ids={einvoiced.id},{foreign.id}")
        )
        self.assertEqual(response.status_code, 404)
        # Cancelled after its XML was issued: Odoo detaches it, the link offers none.
        einvoiced.button_draft()
        einvoiced.button_cancel()
        self.assertEqual(self.url_open(f"/pay/{invoice_link.token}/xml").status_code, 404)
        self.assertNotIn(
            "Download e-invoice (XML)", self.url_open(f"/pay/{invoice_link.token}").text
        )

    # ------------------------------------------------------------------
    # Paying
    # ------------------------------------------------------------------

    def test_checkout_total_and_refusals(self):
        ids = f"{self.inv_a1.id},{self.inv_a2.id}"
        response = self.url_open(self._link_path(self.link, f"/checkout?invoice_ids={ids}"))
        self.assertEqual(response.status_code, 200)
        self.assertRegex(response.text, r"o_islebooks_checkout_total[\s\S]{0,200}250\.00")
        self.assertIn(f"/pay/{self.link.token}/transaction/{ids}", response.text)
        self.assertIn('data-payment-method-code="demo"', response.text)
        # A foreign invoice in the selection: refused as a whole.
        response = self.url_open(
            self._link_path(self.link, f"/checkout?invoice_ids={self.inv_a1.id},{self.inv_b.id}")
        )
        self.assertEqual(response.status_code, 404)
        # Nothing selected, or a paid invoice: the portal with a clear message.
        response = self.url_open(self._link_path(self.link, "/checkout"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("Select at least one invoice", response.text)
        response = self.url_open(
            self._link_path(self.link, f"/checkout?invoice_ids={self.paid.id}")
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("This invoice is paid.", response.text)

    def test_mixed_currencies_refused(self):
        eur = self.setup_other_currency("EUR")
        inv_eur = self._create_invoices(1, self.customer, 80.0, currency=eur)
        ids = f"{self.inv_a1.id},{inv_eur.id}"
        response = self.url_open(self._link_path(self.link, f"/checkout?invoice_ids={ids}"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("different currencies", response.text)
        path = self._link_path(self.link, f"/transaction/{ids}")
        result = self._jsonrpc(
            path, self._pay_params(180.0, csrf_token=self._csrf(self._link_path(self.link)))
        ).json()
        self.assertIn("different currencies", result["error"]["data"]["message"])
        # The portal shows the outstanding amount per currency.
        body = self.url_open(self._link_path(self.link)).text
        self.assertEqual(body.count("o_islebooks_outstanding"), 2)

    def test_one_transaction_for_several_invoices_then_paid(self):
        ids = f"{self.inv_a1.id},{self.inv_a2.id}"
        csrf = self._csrf(self._link_path(self.link))
        result = self._jsonrpc(
            self._link_path(self.link, f"/transaction/{ids}"),
            self._pay_params(250.0, csrf_token=csrf),
        ).json()
        self.assertNotIn("error", result, result)
        tx = self.env["payment.transaction"].search(
            [("islebooks_payment_link_id", "=", self.link.id)]
        )
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.invoice_ids, self.inv_a1 | self.inv_a2)
        self.assertEqual(tx.amount, 250.0)
        self.assertEqual(tx.currency_id, self.company.currency_id)
        # Two contacts' invoices: the company pays.
        self.assertEqual(tx.partner_id, self.customer)
        self.assertEqual(tx.landing_route, self._link_path(self.link))
        self.assertTrue(tx.reference.startswith("BATCH/"), tx.reference)
        # The provider confirms; Odoo's post-processing pays and reconciles both.
        tx.sudo()._set_done()
        tx.sudo()._post_process()
        for invoice in self.inv_a1 | self.inv_a2:
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
            self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        self.assertEqual(self.link.payment_count, 1)
        body = self.url_open(self._link_path(self.link)).text
        self.assertIn("o_islebooks_no_unpaid", body)
        self.assertRegex(body, rf'o_islebooks_paid_row"\s+data-invoice-name="{self.inv_a1.name}"')

    def test_second_payment_of_the_same_invoices_refused(self):
        ids = f"{self.inv_a1.id},{self.inv_a2.id}"
        csrf = self._csrf(self._link_path(self.link))
        path = self._link_path(self.link, f"/transaction/{ids}")
        first = self._jsonrpc(path, self._pay_params(250.0, csrf_token=csrf)).json()
        self.assertNotIn("error", first)
        tx = self.env["payment.transaction"].search([("invoice_ids", "in", self.inv_a1.ids)])
        tx.sudo()._set_pending()
        # The other tab, or only one of the invoices: already being paid.
        for selection in (ids, str(self.inv_a2.id)):
            amount = 250.0 if "," in selection else 200.0
            result = self._jsonrpc(
                self._link_path(self.link, f"/transaction/{selection}"),
                self._pay_params(amount, csrf_token=csrf),
            ).json()
            self.assertIn("being processed", result["error"]["data"]["message"])
        # Confirmed but not yet turned into a payment: still refused.
        tx.sudo()._set_done()
        result = self._jsonrpc(path, self._pay_params(250.0, csrf_token=csrf)).json()
        self.assertIn("being processed", result["error"]["data"]["message"])
        self.assertEqual(
            self.env["payment.transaction"].search_count([("invoice_ids", "in", self.inv_a1.ids)]),
            1,
        )

    @mute_logger("odoo.http")
    def test_tampered_transactions_refused(self):
        csrf = self._csrf(self._link_path(self.link))
        cases = {
            # another customer's invoice slipped into the selection
            f"{self.inv_a1.id},{self.inv_b.id}": (400.0, "cannot be paid through this link"),
            str(self.inv_b.id): (300.0, "cannot be paid through this link"),
            str(self.draft.id): (400.0, "cannot be paid through this link"),
            str(self.bill.id): (600.0, "cannot be paid through this link"),
            "1;DROP": (1.0, "cannot be paid through this link"),
            # a lower amount than due (partial payments are off)
            f"{self.inv_a1.id},{self.inv_a2.id}": (1.0, "amount to pay has changed"),
            # a paid invoice
            str(self.paid.id): (70.0, "This invoice is paid."),
        }
        for selection, (amount, message) in cases.items():
            result = self._jsonrpc(
                self._link_path(self.link, f"/transaction/{selection}"),
                self._pay_params(amount, csrf_token=csrf),
            ).json()
            self.assertIn(message, result["error"]["data"]["message"], selection)
        # Another customer's link cannot pay this customer's invoice.
        result = self._jsonrpc(
            self._link_path(self.other_link, f"/transaction/{self.inv_a1.id}"),
            self._pay_params(100.0, csrf_token=csrf),
        ).json()
        self.assertIn("cannot be paid through this link", result["error"]["data"]["message"])
        # A currency or partner in the request is not even accepted.
        result = self._jsonrpc(
            self._link_path(self.link, f"/transaction/{self.inv_a1.id}"),
            self._pay_params(100.0, csrf_token=csrf, currency_id=1, partner_id=self.other.id),
        ).json()
        self.assertIn("not whitelisted", result["error"]["data"]["message"])
        # No CSRF token: forbidden.
        result = self._jsonrpc(
            self._link_path(self.link, f"/transaction/{self.inv_a1.id}"), self._pay_params(100.0)
        ).json()
        self.assertIn("error", result)
        self.assertFalse(
            self.env["payment.transaction"].search(
                [("islebooks_payment_link_id", "in", (self.link | self.other_link).ids)]
            )
        )

    def test_partial_payment_only_when_enabled(self):
        csrf = self._csrf(self._link_path(self.link))
        path = self._link_path(self.link, f"/transaction/{self.inv_a2.id}")
        result = self._jsonrpc(path, self._pay_params(50.0, csrf_token=csrf)).json()
        self.assertIn("amount to pay has changed", result["error"]["data"]["message"])
        self.company.payment_link_allow_partial = True
        # Checkout offers the amount field; the form then carries the chosen amount.
        body = self.url_open(
            self._link_path(self.link, f"/checkout?invoice_ids={self.inv_a2.id}&amount=50")
        ).text
        self.assertIn("o_islebooks_partial_form", body)
        self.assertRegex(body, r'data-amount="50\.0"')
        body = self.url_open(
            self._link_path(self.link, f"/checkout?invoice_ids={self.inv_a2.id}&amount=250")
        ).text
        self.assertIn("at most the amount due", body)
        self.assertNotIn('name="o_payment_submit_button"', body)
        for amount in (250.0, 0.0, -5.0):
            result = self._jsonrpc(path, self._pay_params(amount, csrf_token=csrf)).json()
            self.assertIn("at most the amount due", result["error"]["data"]["message"])
        # Several invoices: never partial.
        result = self._jsonrpc(
            self._link_path(self.link, f"/transaction/{self.inv_a1.id},{self.inv_a2.id}"),
            self._pay_params(120.0, csrf_token=csrf),
        ).json()
        self.assertIn("amount to pay has changed", result["error"]["data"]["message"])
        result = self._jsonrpc(path, self._pay_params(50.0, csrf_token=csrf)).json()
        self.assertNotIn("error", result)
        tx = self.env["payment.transaction"].search(
            [("islebooks_payment_link_id", "=", self.link.id)]
        )
        self.assertEqual(tx.amount, 50.0)
        tx.sudo()._set_done()
        tx.sudo()._post_process()
        self.assertEqual(self.inv_a2.payment_state, "partial")
        self.assertAlmostEqual(self.inv_a2.amount_residual, 150.0)

    # ------------------------------------------------------------------
    # Statement of account
    # ------------------------------------------------------------------

    def test_statement_of_account(self):
        today = fields.Date.today()
        values = self.customer._get_statement_values(self.company, today - timedelta(30), today)
        # Before the period: the paid invoice (70); its payment, today, is in it.
        self.assertAlmostEqual(values["opening"], 70.0)
        kinds = [row["kind"] for row in values["rows"]]
        self.assertEqual(kinds.count("Invoice"), 2)
        self.assertEqual(kinds.count("Credit note"), 1)
        self.assertEqual(kinds.count("Payment"), 1)
        self.assertAlmostEqual(values["closing"], 70.0 + 100.0 + 200.0 - 50.0 - 70.0)
        self.assertAlmostEqual(values["rows"][-1]["balance"], values["closing"])
        values = self.customer._get_statement_values(
            self.company, today - timedelta(60), today - timedelta(31)
        )
        self.assertEqual([row["kind"] for row in values["rows"]], ["Invoice"])
        values = self.customer._get_statement_values(self.company, today - timedelta(60), today)
        self.assertAlmostEqual(values["opening"], 0.0)
        self.assertNotIn(self.inv_b.name, [row["name"] for row in values["rows"]])
        self.assertNotIn(self.bill.name, [row["name"] for row in values["rows"]])

        # Through the link (tests render reports as HTML, so read it as text).
        response = self.url_open(
            self._link_path(
                self.link, f"/statement?date_from={today - timedelta(60)}&date_to={today}"
            )
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        for text in (
            "Statement of Account",
            "Opening balance",
            "Closing balance",
            self.inv_a1.name,
            self.refund.name,
            "250.00",
        ):
            self.assertIn(text, response.text)
        self.assertNotIn(self.inv_b.name, response.text)
        # The real PDF, as production renders it.
        pdf, filename = self.link.with_context(force_report_rendering=True)._render_statement_pdf(
            today - timedelta(60), today
        )
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertTrue(filename.endswith(".pdf"))
        response = self.url_open(self._link_path(self.link, "/statement?date_from=yesterday"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("valid dates", response.text)

    # ------------------------------------------------------------------
    # Other amounts due: receivables without an invoice (#30)
    # ------------------------------------------------------------------

    def _create_other_amounts(self):
        """The customer's opening balance (150.00, a manual entry on its
        receivable), the rival's (70.00), and one already settled (40.00)."""
        item = self._create_receivable_entry(150.0, self.customer, ref="POS/Shop/0042")
        foreign = self._create_receivable_entry(70.0, self.other, ref="Rival balance")
        settled = self._create_receivable_entry(40.0, self.customer, ref="Settled balance")
        self._register_payment(settled)
        return item, foreign, settled

    def _register_payment(self, items):
        self.env["account.payment.register"].with_context(
            active_model="account.move.line", active_ids=items.ids
        ).create({"journal_id": self.bank_journal.id})._create_payments()

    def test_other_amounts_owed_listed_and_checked_out(self):
        item, _foreign, settled = self._create_other_amounts()
        self.assertTrue(settled.reconciled)
        # 300.00 of invoices and 150.00 without an invoice, less the open credit note.
        [row] = self.customer._get_amount_owed(self.company)
        self.assertEqual((row["count"], row["item_count"], row["amount"]), (2, 1, 400.0))
        body = self.url_open(self._link_path(self.link)).text
        self.assertIn("Other amounts due", body)
        self.assertEqual(body.count("o_islebooks_item_row"), 1)
        self.assertIn('data-item-reference="POS/Shop/0042"', body)
        self.assertRegex(body, rf'name="item_ids"[^>]*value="{item.id}"')
        self.assertRegex(body, r"Pay all\s*\(3\)")
        self.assertNotIn("Rival balance", body)
        self.assertNotIn("Settled balance", body)
        # With an invoice: one total (net of the credit), decided on the server.
        response = self.url_open(
            self._link_path(self.link, f"/checkout?invoice_ids={self.inv_a1.id}&item_ids={item.id}")
        )
        self.assertEqual(response.status_code, 200)
        self.assertRegex(response.text, r"o_islebooks_checkout_total[\s\S]{0,200}200\.00")
        self.assertIn(f"/transaction/{self.inv_a1.id},r{item.id}", response.text)
        # The statement's "Amount due today" and a reminder linking to the portal agree.
        today = fields.Date.today()
        statement = self.customer._get_statement_values(self.company, today, today)
        self.assertEqual([row["amount"] for row in statement["owed"]], [400.0])
        reminder = self._create_portal_reminder(self.inv_a1)
        self.assertTrue(
            reminder.due_summary_text.startswith(
                format_amount(self.env, 200.0, self.company.currency_id)
            ),
            reminder.due_summary_text,
        )

    def test_other_amount_paid_alone_then_refused(self):
        item, _foreign, _settled = self._create_other_amounts()
        result = self._pay_selection(f"r{item.id}", 100.0)
        self.assertNotIn("error", result, result)
        # While the provider processes it, no second payment of it starts.
        self.link.transaction_ids.sudo()._set_pending()
        result = self._pay_selection(f"{self.inv_a1.id},r{item.id}", 200.0)
        self.assertIn("being processed", result["error"]["data"]["message"])
        tx = self._settle()
        self.assertEqual((tx.amount, tx.invoice_ids), (100.0, self.env["account.move"]))
        self.assertEqual(tx.islebooks_receivable_line_ids, item)
        # Paid by this payment and the open credit note, nothing else touched.
        self.assertTrue(item.reconciled)
        self.assertEqual(
            item.matched_credit_ids.credit_move_id.move_id, tx.payment_id.move_id | self.refund
        )
        self.assertFalse((self.inv_a1 | self.inv_a2).line_ids.filtered("reconciled"))
        [row] = self.customer._get_amount_owed(self.company)
        self.assertEqual((row["item_count"], row["amount"]), (0, 300.0))
        # Its receipt names it and says what is left.
        receipt = self.link._get_receipt_values(tx)
        self.assertEqual((receipt["items"], receipt["remaining"]), (item, 300.0))
        response = self.url_open(self._link_path(self.link, f"/receipt/{tx.id}"))
        self.assertEqual(response.status_code, 200)
        # Paying it again: refused as a paid invoice is.
        result = self._pay_selection(f"r{item.id}", 150.0)
        self.assertIn("This amount is paid.", result["error"]["data"]["message"])
        response = self.url_open(self._link_path(self.link, f"/checkout?item_ids={item.id}"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("This amount is paid.", response.text)
        self.assertEqual(len(self.link.transaction_ids), 1)

    def test_other_amount_paid_with_an_invoice(self):
        item, foreign, _settled = self._create_other_amounts()
        result = self._pay_selection(f"{self.inv_a1.id},r{item.id}", 200.0)
        self.assertNotIn("error", result, result)
        tx = self._settle()
        self.assertEqual((tx.amount, tx.invoice_ids), (200.0, self.inv_a1))
        self.assertIn(self.inv_a1.payment_state, ("paid", "in_payment"))
        self.assertTrue(item.reconciled)
        self.assertEqual(
            (item | self.inv_a1.line_ids).matched_credit_ids.credit_move_id.move_id,
            tx.payment_id.move_id | self.refund,
        )
        self.assertFalse(self.inv_a2.line_ids.filtered("reconciled") or foreign.reconciled)
        [row] = self.customer._get_amount_owed(self.company)
        self.assertEqual((row["count"], row["item_count"], row["amount"]), (1, 0, 200.0))

    def test_other_amount_settled_meanwhile_leaves_a_credit(self):
        item, _foreign, _settled = self._create_other_amounts()
        self.assertNotIn("error", self._pay_selection(f"r{item.id}", 100.0))
        # Staff register a payment of it before the provider confirms.
        self._register_payment(item)
        tx = self._settle()
        self.assertEqual(tx.payment_id.state, "in_process")
        # 300.00 of invoices less the credit note and this payment, now credit.
        [row] = self.customer._get_amount_owed(self.company)
        self.assertEqual((row["credit"], row["amount"]), (150.0, 150.0))

    def test_other_amounts_the_link_does_not_grant_refused(self):
        item, foreign, _settled = self._create_other_amounts()
        for line in (foreign, self.inv_a1.line_ids.filtered("debit")[:1]):
            with self.subTest(line=line.move_id.name):
                response = self.url_open(
                    self._link_path(self.link, f"/checkout?item_ids={line.id}")
                )
                self.assertEqual(response.status_code, 404)
                result = self._pay_selection(f"r{line.id}", 70.0)
                self.assertIn("cannot be paid", result["error"]["data"]["message"])
        for selection in (f"r{item.id},r", f"r{item.id}-rx", "r0", f"{self.inv_b.id},r{item.id}"):
            with self.subTest(selection=selection):
                self.assertIn("error", self._pay_selection(selection, 100.0))
        # An amount the page does not offer, or the rival's link.
        result = self._pay_selection(f"r{item.id}", 150.0)
        self.assertIn("has changed", result["error"]["data"]["message"])
        response = self.url_open(self._link_path(self.other_link, f"/checkout?item_ids={item.id}"))
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.link.transaction_ids)


@tagged("post_install", "-at_install")
class TestPortalBankDetails(PaymentLinksHttpCommon):
    """Where the company enables wire transfer, the portal says where to transfer to."""

    def setUp(self):
        super().setUp()
        self._create_invoices(1, self.partner_a, 100.0)
        self.link = self.partner_a._get_portal_payment_links()
        self.bank_journal.bank_account_id = self.env["res.partner.bank"].create(
            {"acc_number": "MV77 0000 1234 5678", "partner_id": self.company.partner_id.id}
        )
        self.transfer = self.env.ref("payment.payment_provider_transfer").sudo()

    def test_bank_details_only_where_wire_transfer_is_enabled(self):
        self.transfer.write({"company_id": self.company.id, "state": "disabled"})
        page = self.url_open(f"/pay/{self.link.token}").text
        self.assertNotIn("Pay by bank transfer", page)
        self.assertNotIn("MV77 0000 1234 5678", page)

        self.transfer.write({"state": "enabled", "pending_msg": False})
        page = self.url_open(f"/pay/{self.link.token}").text
        self.assertIn("Pay by bank transfer", page)
        self.assertIn("MV77 0000 1234 5678", page)

    def test_confirmations_show_the_bank_details_once(self):
        self.transfer.write(
            {"company_id": self.company.id, "state": "enabled", "pending_msg": False}
        )
        self.company.write(
            {
                "payment_confirmation_enabled": True,
                "payment_confirmation_journal_id": self.bank_journal.id,
            }
        )
        page = self.url_open(f"/pay/{self.link.token}").text
        self.assertEqual(page.count("Pay by bank transfer"), 1)
        self.assertIn("I have paid by bank transfer", page)
        self.assertIn("MV77 0000 1234 5678", page)
