from odoo.tests import tagged

from .common import PaymentLinksHttpCommon


@tagged("post_install", "-at_install")
class TestAmountInWords(PaymentLinksHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._make_unready()
        cls._make_ready()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["res.lang"]._activate_lang("es_ES")

    def _page(self, invoice):
        link = invoice._get_payment_links()
        response = self.url_open(f"/pay/{link.token}")
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_amount_in_words_in_customer_language(self):
        self.company.payment_link_amount_in_words = True
        self.partner_a.lang = "fr_FR"
        invoice = self._create_invoice(amount=1250.0)
        words = invoice._get_amount_due_in_words()
        self.assertIn("Mille Deux Cent Cinquante", words)
        page = self._page(invoice)
        self.assertIn("o_islebooks_amount_in_words", page)
        self.assertIn("Mille Deux Cent Cinquante", page)

        self.partner_a.lang = "es_ES"
        self.assertIn("Mil Doscientos Cincuenta", invoice._get_amount_due_in_words())

        self.partner_a.lang = "en_US"
        self.assertIn("One Thousand, Two Hundred And Fifty", invoice._get_amount_due_in_words())

    def test_no_amount_in_words_when_disabled(self):
        self.company.payment_link_amount_in_words = False
        invoice = self._create_invoice(amount=1250.0)
        self.assertEqual(invoice._get_amount_due_in_words(), "")
        page = self._page(invoice)
        self.assertNotIn("o_islebooks_amount_in_words", page)
