from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, tagged

# (typed number, contact's country, E.164 stored)
VALID = [
    # Maldives: 7 digits, no trunk prefix
    ("7771234", "mv", "+9607771234"),
    ("777-1234", "mv", "+9607771234"),
    ("+960 777 1234", "mv", "+9607771234"),
    ("00960 777 1234", "mv", "+9607771234"),
    ("(+960) 777-1234", False, "+9607771234"),
    ("+960 777 1234", False, "+9607771234"),
    # India: trunk 0, 10-digit mobiles
    ("098765 43210", "in", "+919876543210"),
    ("98765-43210", "in", "+919876543210"),
    ("+91 (987) 654-3210", "in", "+919876543210"),
    # United Kingdom: leading 0, "(0)" after the country code
    ("07911 123456", "uk", "+447911123456"),
    ("+44 (0)7911 123456", "uk", "+447911123456"),
    ("0044 7911 123456", "us", "+447911123456"),
    # United States
    ("(201) 555-0123", "us", "+12015550123"),
    ("1-201-555-0123", "us", "+12015550123"),
    ("+1 201.555.0123", "uk", "+12015550123"),
    # Brazil: area code in brackets, 9-digit mobiles
    ("(11) 91234-5678", "br", "+5511912345678"),
    ("(011) 91234-5678", "br", "+5511912345678"),
    ("+55 11 91234 5678", False, "+5511912345678"),
    # United Arab Emirates
    ("050 123 4567", "ae", "+971501234567"),
    ("00971 50 123 4567", "in", "+971501234567"),
    ("  +971501234567  ", False, "+971501234567"),
]

# (typed number, contact's country, words the error must contain)
INVALID = [
    ("123", "mv", "too few digits"),
    ("+960 12", False, "too few digits"),
    ("+960 777 12345678", "mv", "too many digits"),
    ("+44 7911 123456 789 12", "uk", "too many digits"),
    ("77712AB", "mv", "letters"),
    ("+1-800-FLOWERS", "us", "letters"),
    ("7771234", False, "no country code"),
    ("+999 1234567", False, "unknown country code"),
    ("1234567", "mv", "not a valid phone number"),
    ("0 777 1234", "mv", "not a valid phone number"),
    ("+9607771234 ext. 5", False, "letters"),
]


@tagged("post_install", "-at_install")
class TestWhatsappNumber(TransactionCase):
    def _country(self, code):
        return self.env.ref(f"base.{code}").id if code else False

    def test_real_world_numbers_are_stored_e164(self):
        for typed, country, expected in VALID:
            with self.subTest(typed=typed, country=country):
                partner = self.env["res.partner"].create(
                    {"name": "Hawwa Ali", "country_id": self._country(country), "whatsapp": typed}
                )
                self.assertEqual(partner.whatsapp, expected)
                # Editing later goes through the same normalization.
                partner.whatsapp = False
                partner.write({"whatsapp": typed})
                self.assertEqual(partner.whatsapp, expected)

    def test_invalid_numbers_give_a_clear_error_naming_the_contact(self):
        for typed, country, words in INVALID:
            with self.subTest(typed=typed, country=country):
                with self.assertRaises(ValidationError) as caught:
                    self.env["res.partner"].create(
                        {
                            "name": "Hawwa Ali",
                            "country_id": self._country(country),
                            "whatsapp": typed,
                        }
                    )
                message = str(caught.exception)
                self.assertIn("Hawwa Ali", message)
                self.assertIn(typed.strip(), message)
                self.assertIn(words, message)
                partner = self.env["res.partner"].create(
                    {"name": "Hussain Adam", "country_id": self._country(country)}
                )
                with self.assertRaises(ValidationError) as caught:
                    partner.write({"whatsapp": typed})
                self.assertIn("Hussain Adam", str(caught.exception))
                self.assertFalse(partner.whatsapp)

    def test_empty_number_is_no_number(self):
        partner = self.env["res.partner"].create({"name": "Hawwa Ali", "whatsapp": ""})
        self.assertFalse(partner.whatsapp)
        partner.whatsapp = "+9607771234"
        partner.whatsapp = ""
        self.assertFalse(partner.whatsapp)

    def test_country_written_with_the_number_is_the_region(self):
        partner = self.env["res.partner"].create({"name": "Hawwa Ali"})
        partner.write({"whatsapp": "050 123 4567", "country_id": self._country("ae")})
        self.assertEqual(partner.whatsapp, "+971501234567")

    def test_each_contact_uses_its_own_country(self):
        maldivian, british = self.env["res.partner"].create(
            [
                {"name": "Hawwa Ali", "country_id": self._country("mv")},
                {"name": "Jane Smith", "country_id": self._country("uk")},
            ]
        )
        # A local number written on both: valid in the Maldives only.
        with self.assertRaises(ValidationError) as caught:
            (maldivian | british).write({"whatsapp": "7771234"})
        self.assertIn("Jane Smith", str(caught.exception))
        (maldivian | british).write({"whatsapp": "+960 7771234"})
        self.assertEqual((maldivian | british).mapped("whatsapp"), ["+9607771234"] * 2)

    def test_contact_of_a_company_uses_the_company_country(self):
        company = self.env["res.partner"].create(
            {"name": "Island Traders", "is_company": True, "country_id": self._country("in")}
        )
        contact = self.env["res.partner"].create(
            {"name": "Ravi Kumar", "parent_id": company.id, "whatsapp": "98765 43210"}
        )
        self.assertEqual(contact.whatsapp, "+919876543210")

    def test_same_as_mobile(self):
        partner = self.env["res.partner"].create(
            {"name": "Hawwa Ali", "country_id": self._country("mv"), "mobile": "777 1234"}
        )
        partner.action_whatsapp_same_as_mobile()
        self.assertEqual(partner.whatsapp, "+9607771234")

        no_mobile = self.env["res.partner"].create({"name": "Hussain Adam"})
        with self.assertRaisesRegex(UserError, "Hussain Adam has no mobile number"):
            no_mobile.action_whatsapp_same_as_mobile()

        bad_mobile = self.env["res.partner"].create(
            {"name": "Mariyam Saeed", "country_id": self._country("mv"), "mobile": "12"}
        )
        with self.assertRaisesRegex(ValidationError, "Mariyam Saeed"):
            bad_mobile.action_whatsapp_same_as_mobile()
        self.assertFalse(bad_mobile.whatsapp)

    def test_search_by_whatsapp_number(self):
        partner = self.env["res.partner"].create(
            {"name": "Hawwa Ali", "country_id": self._country("mv"), "whatsapp": "777 1234"}
        )
        self.env["res.partner"].create({"name": "Other", "whatsapp": "+9607779999"})
        self.assertEqual(
            self.env["res.partner"].search([("whatsapp", "ilike", "7771234")]), partner
        )
        # The contact search view offers the field.
        arch = self.env["res.partner"].get_view(view_type="search")["arch"]
        self.assertIn('name="whatsapp"', arch)
        form = self.env["res.partner"].get_view(view_type="form")["arch"]
        self.assertIn("action_whatsapp_same_as_mobile", form)
