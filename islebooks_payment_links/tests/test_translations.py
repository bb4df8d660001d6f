from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import PaymentLinksHttpCommon
from .test_whatsapp_send import decode


@tagged("post_install", "-at_install")
class TestTranslations(PaymentLinksHttpCommon):
    """The addon's French and Spanish translations reach customers and staff."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lang = cls.env["res.lang"]
        cls.fr = Lang._activate_lang("fr_FR")
        cls.es = Lang._activate_lang("es_ES")
        cls.env["ir.module.module"]._load_module_terms(
            ["islebooks_payment_links"], ["fr_FR", "es_ES"], overwrite=True
        )
        # A site in English and French only: Spanish is active in the
        # database but not offered on the website.
        if "website" in cls.env:
            website = cls.env["website"].search([])
            website.write(
                {
                    "language_ids": [(6, 0, (cls.env.ref("base.lang_en") | cls.fr).ids)],
                    "default_lang_id": cls.env.ref("base.lang_en").id,
                }
            )
        cls.customer.lang = "fr_FR"
        cls.invoice = cls._create_invoice(amount=250.0)
        cls.path = cls._invoice_path(cls.invoice)

    def _page(self, path, cookie_lang=None):
        self.opener.cookies.clear()
        if cookie_lang:
            self.opener.cookies.set("frontend_lang", cookie_lang)
        response = self._get(path)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return response

    # ------------------------------------------------------------------
    # Payment page
    # ------------------------------------------------------------------

    def test_page_in_the_customers_language(self):
        """A French customer opening the link gets the page in French."""
        response = self._page(self.path)
        for french in ("Montant dû", "Télécharger le PDF", "Facturé à", "Payer en ligne"):
            self.assertTrue(french in response.text, f"{french!r} is not on the page")
        for english in ("Amount due", "Download PDF", "Billed to"):
            self.assertFalse(english in response.text, f"{english!r} is on the page")
        self.assertIn('lang="fr-FR"', response.text)
        # The next pages of the site stay in French.
        self.assertEqual(response.cookies.get("frontend_lang"), "fr_FR")
        self.assertHardened(response)

    def test_visitor_choice_wins(self):
        """A language the visitor chose (cookie or URL) wins over the customer's."""
        english = self._page(self.path, cookie_lang="en_US")
        self.assertIn("Amount due", english.text)
        self.assertNotIn("Montant dû", english.text)
        french = self._page(f"/fr{self.path}", cookie_lang="en_US")
        self.assertIn("Montant dû", french.text)

    def test_language_not_on_the_site_is_not_forced(self):
        """A Spanish customer of an English/French site sees the site's default."""
        self.customer.lang = "es_ES"
        response = self._page(self.path)
        self.assertIn("Amount due", response.text)
        self.assertNotIn("Importe adeudado", response.text)

    def test_english_customer_and_unknown_link(self):
        self.customer.lang = "en_US"
        self.assertIn("Amount due", self._page(self.path).text)
        self.opener.cookies.clear()
        response = self._get(self._link_path(self.invoice.payment_link_id)[:-2] + "xx")
        self.assertEqual(response.status_code, 404)
        # Nothing about the link's customer shows through an invalid token.
        self.assertIn("This link is not valid", response.text)

    # ------------------------------------------------------------------
    # Backend and messages
    # ------------------------------------------------------------------

    def test_backend_error_in_the_users_language(self):
        user = new_test_user(
            self.env, "comptable", groups="account.group_account_invoice", lang="fr_FR"
        )
        draft = self._create_invoice(post=False)
        with self.assertRaises(UserError) as error:
            draft.with_user(user).with_context(lang=user.lang)._get_payment_links()
        message = str(error.exception)
        self.assertIn(
            "Les liens de paiement sont réservés aux factures et avoirs clients comptabilisés.",
            message,
        )
        self.assertIn(": comptabilisez-la d'abord", message)
        with self.assertRaises(UserError) as error:
            draft._get_payment_links()
        self.assertIn("Payment links are only for posted customer invoices", str(error.exception))

    def test_guides_words_in_french_and_spanish(self):
        """Generate Payment Link on contacts reads as Odoo's own words for it, in the
        menus and as the dialog's title."""
        for lang, words in (
            ("fr_FR", "Générer un lien de paiement"),
            ("es_ES", "Generar enlace de pago"),
        ):
            with self.subTest(lang=lang):
                Actions = self.env["ir.actions.actions"].with_context(lang=lang)
                actions = Actions.get_bindings("res.partner")["action"]
                menu = [
                    action["name"] for action in actions if action.get("islebooks_context_menu")
                ]
                self.assertEqual(menu, [words])
                action = self.customer.with_context(lang=lang).action_generate_payment_link()
                self.assertEqual(action["name"], words)

    def test_whatsapp_message_in_spanish(self):
        self.customer.write(
            {"lang": "es_ES", "country_id": self.env.ref("base.mv").id, "whatsapp": "7771234"}
        )
        invoice = self._create_invoice(amount=1500.0)
        text = decode(invoice.action_send_whatsapp()["url"])[2]
        self.assertTrue(text.startswith(f"Hola, {self.customer.name}:"), text)
        self.assertIn(f"Le enviamos su factura *{invoice.name}*", text)
        self.assertIn("Importe adeudado: *", text)
        self.assertIn(
            f"Puede verla, descargarla y pagarla en línea:\n{invoice.payment_link_url}", text
        )
        self.assertTrue(text.endswith("¡Gracias!"), text)
        # The same invoice for an English-speaking customer stays in English.
        self.customer.lang = "en_US"
        text = decode(self._create_invoice().action_send_whatsapp()["url"])[2]
        self.assertTrue(text.startswith("Hello"), text)
        self.assertTrue(text.endswith("Thank you!"), text)
