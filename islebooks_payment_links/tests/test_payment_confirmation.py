import base64
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import PDF_BYTES, PaymentLinksCommon, make_jpeg, make_png


class PaymentConfirmationCommon(PaymentLinksCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.company.write(
            {
                "payment_confirmation_enabled": True,
                "payment_confirmation_journal_id": cls.bank_journal.id,
            }
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="islebooks_sales",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
        )
        cls.invoice_a = cls._post_invoice(1000.0)
        cls.invoice_b = cls._post_invoice(500.0)
        cls.link = cls.invoice_a._get_payment_links()

    @classmethod
    def _post_invoice(cls, amount, partner=None):
        """An untaxed invoice of 2019 under the customer's payment terms, sold by
        ``salesperson`` (who gets the review activity)."""
        partner = partner or cls.partner_a
        return cls._create_invoice(
            partner=partner,
            amount=amount,
            invoice_date="2019-01-01",
            name="test line",
            invoice_user_id=cls.salesperson.id,
            invoice_payment_term_id=partner.property_payment_term_id.id,
        )

    def _confirm(self, invoices, amount=None, link=None, proof=None, **values):
        values = {
            "amount": sum(invoices.mapped("amount_residual")) if amount is None else amount,
            "transfer_date": fields.Date.today(),
            **values,
        }
        link = link or invoices[:1]._get_payment_links()
        return self.env["islebooks.payment.confirmation"]._create_from_link(
            link, invoices, values, proof
        )


@tagged("post_install", "-at_install")
class TestPaymentConfirmation(PaymentConfirmationCommon):
    def test_new_confirmation_notifies_salesperson_or_reviewer(self):
        confirmation = self._confirm(self.invoice_a, proof=("receipt.png", make_png()))
        self.assertEqual(confirmation.state, "pending")
        self.assertEqual(confirmation.partner_id, self.partner_a)
        self.assertEqual(confirmation.journal_id, self.bank_journal)
        self.assertEqual(confirmation.activity_ids.user_id, self.salesperson)
        self.assertEqual(self.invoice_a.payment_confirmation_pending_count, 1)
        self.assertEqual(self.invoice_b.payment_confirmation_pending_count, 0)

        proof = confirmation.proof_attachment_id
        self.assertEqual(proof.mimetype, "image/png")
        self.assertEqual((proof.res_model, proof.res_id), (confirmation._name, confirmation.id))
        self.assertFalse(proof.public)
        self.assertTrue(confirmation.proof_image)
        self.assertFalse(confirmation.proof_pdf)

        reviewer = new_test_user(
            self.env, login="islebooks_reviewer", groups="account.group_account_invoice"
        )
        self.company.payment_confirmation_user_id = reviewer
        other = self._confirm(self.invoice_b, proof=("receipt.pdf", PDF_BYTES))
        self.assertEqual(other.activity_ids.user_id, reviewer)
        self.assertTrue(other.proof_pdf)
        self.assertFalse(other.proof_image)

    def test_no_activity_for_bots_or_inactive_salespeople(self):
        self.invoice_b.invoice_user_id = self.env.ref("base.user_root")
        confirmation = self._confirm(self.invoice_b)
        self.assertFalse(confirmation.activity_ids)
        self.assertIn("awaits review", self.invoice_b.message_ids[:1].body)

    def test_approve_several_invoices_one_reconciled_payment(self):
        invoices = self.invoice_a + self.invoice_b
        transfer_date = fields.Date.today() - timedelta(days=2)
        confirmation = self._confirm(
            invoices, transfer_date=transfer_date, bank_reference="TRF-778"
        )
        confirmation.action_approve()

        self.assertEqual(confirmation.state, "approved")
        self.assertEqual(confirmation.reviewed_by_id, self.env.user)
        payment = confirmation.payment_ids
        self.assertEqual(len(payment), 1, "One payment for invoices of one currency")
        self.assertEqual(payment.amount, 1500.0)
        self.assertEqual(payment.journal_id, self.bank_journal)
        self.assertEqual(payment.date, transfer_date)
        self.assertEqual(payment.partner_id, self.partner_a)
        self.assertTrue(all(m.currency_id.is_zero(m.amount_residual) for m in invoices))
        self.assertTrue(set(invoices.mapped("payment_state")) <= {"in_payment", "paid"})
        self.assertEqual(invoices._get_reconciled_payments(), payment)
        self.assertFalse(confirmation.activity_ids, "The review activity is done")
        self.assertEqual(invoices.mapped("payment_confirmation_pending_count"), [0, 0])

    def test_approve_partial_amount_leaves_the_rest_due(self):
        confirmation = self._confirm(self.invoice_a, amount=400.0)
        confirmation.action_approve()
        self.assertEqual(confirmation.payment_ids.amount, 400.0)
        self.assertEqual(self.invoice_a.payment_state, "partial")
        self.assertAlmostEqual(self.invoice_a.amount_residual, 600.0)

    def test_staff_can_correct_amount_before_approving(self):
        confirmation = self._confirm(self.invoice_a, amount=1000.0)
        with Form(confirmation) as form:
            form.amount = 250.0
        confirmation.action_approve()
        self.assertEqual(confirmation.payment_ids.amount, 250.0)
        self.assertAlmostEqual(self.invoice_a.amount_residual, 750.0)

    def test_backend_corrections_cannot_break_the_rules(self):
        # What the customer's form refuses, staff editing the record (form or
        # RPC) cannot set either: the rules are the model's constraints.
        confirmation = self._confirm(self.invoice_a, amount=1000.0)
        as_staff = confirmation.with_user(self.salesperson)
        today = fields.Date.context_today(confirmation)
        cases = [
            ("amount", 0.0, "amount must be positive"),
            ("amount", -250.0, "amount must be positive"),
            ("amount", 10.0**12, "amount is too large"),
            ("transfer_date", today + timedelta(days=1), "cannot be in the future"),
            (
                "transfer_date",
                self.invoice_a.invoice_date - timedelta(days=400),
                "too far in the past",
            ),
        ]
        for field, value, message in cases:
            with self.subTest(field=field, value=value):
                with self.assertRaisesRegex(ValidationError, message), self.cr.savepoint():
                    as_staff.write({field: value})
                confirmation.invalidate_recordset()
                self.assertEqual(confirmation.amount, 1000.0)
                self.assertEqual(confirmation.transfer_date, today)
        other_customer = self._post_invoice(10.0, partner=self.partner_b)
        with self.assertRaisesRegex(ValidationError, "of its customer"), self.cr.savepoint():
            confirmation.sudo().invoice_ids = [Command.link(other_customer.id)]
        confirmation.invalidate_recordset()
        self.assertEqual(confirmation.invoice_ids, self.invoice_a)
        confirmation.action_approve()
        self.assertEqual(confirmation.payment_ids.amount, 1000.0)

    def test_approve_twice_is_refused(self):
        confirmation = self._confirm(self.invoice_a)
        confirmation.action_approve()
        with self.assertRaisesRegex(UserError, "already approved"):
            confirmation.action_approve()
        with self.assertRaisesRegex(UserError, "already approved"):
            confirmation.action_open_reject_wizard()
        self.assertEqual(len(confirmation.payment_ids), 1)
        self.assertEqual(len(self.invoice_a._get_reconciled_payments()), 1)

    def test_two_confirmations_for_one_invoice_cannot_both_pay_it(self):
        first = self._confirm(self.invoice_a)
        second = self._confirm(self.invoice_a)
        first.action_approve()
        with self.assertRaisesRegex(UserError, "no longer has anything to pay"):
            second.action_approve()
        self.assertEqual(second.state, "pending")

    def test_approve_when_invoice_was_paid_meanwhile_is_refused(self):
        confirmation = self._confirm(self.invoice_a)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice_a.ids
        ).create({"journal_id": self.bank_journal.id})._create_payments()
        self.assertIn(self.invoice_a.payment_state, ("paid", "in_payment"))
        with self.assertRaisesRegex(UserError, "no longer has anything to pay"):
            confirmation.action_approve()
        self.assertEqual(confirmation.state, "pending")
        self.assertFalse(confirmation.payment_ids)

    def test_approve_more_than_due(self):
        confirmation = self._confirm(self.invoice_b, amount=500.0)
        confirmation.amount = 800.0
        with self.assertRaisesRegex(UserError, "more than what is still due"):
            confirmation.action_approve()
        self.company.payment_confirmation_allow_overpayment = True
        confirmation.action_approve()
        self.assertIn(self.invoice_b.payment_state, ("in_payment", "paid"))
        self.assertEqual(confirmation.payment_ids.amount, 800.0)

    def test_approve_needs_a_journal(self):
        confirmation = self._confirm(self.invoice_a)
        confirmation.journal_id = False
        with self.assertRaisesRegex(UserError, "Choose the journal"):
            confirmation.action_approve()

    def test_reject_with_reason(self):
        confirmation = self._confirm(self.invoice_a)
        action = confirmation.action_open_reject_wizard()
        wizard = Form(self.env[action["res_model"]].with_context(**action["context"]))
        wizard.reason = "  No such transfer on our account.  "
        wizard.save().action_reject()
        self.assertEqual(confirmation.state, "rejected")
        self.assertEqual(confirmation.reject_reason, "No such transfer on our account.")
        self.assertFalse(confirmation.activity_ids)
        self.assertEqual(self.invoice_a.payment_state, "not_paid")
        with self.assertRaisesRegex(UserError, "already rejected"):
            confirmation.action_approve()
        with self.assertRaisesRegex(UserError, "reason"):
            self._confirm(self.invoice_b)._reject("   ")

    def test_duplicate_bank_reference_is_flagged(self):
        first = self._confirm(self.invoice_a, bank_reference="ab 123")
        second = self._confirm(self.invoice_b, bank_reference="AB123")
        third = self._confirm(self.invoice_b, bank_reference="OTHER")
        other_customer = self._post_invoice(100.0, partner=self.partner_b)
        fourth = self._confirm(other_customer, bank_reference="AB123")
        self.assertEqual(
            (first + second + third + fourth).mapped("duplicate_reference"),
            [True, True, False, False],
        )
        Confirmation = self.env["islebooks.payment.confirmation"]
        self.assertEqual(Confirmation.search([("duplicate_reference", "=", True)]), first + second)
        self.assertIn(third, Confirmation.search([("duplicate_reference", "=", False)]))

    def test_access_invoicing_users_and_own_company_only(self):
        confirmation = self._confirm(self.invoice_a, proof=("proof.pdf", PDF_BYTES))
        employee = new_test_user(
            self.env,
            login="islebooks_employee",
            groups="base.group_user",
            company_id=self.company.id,
        )
        with self.assertRaises(AccessError):
            confirmation.with_user(employee).read(["amount"])
        with self.assertRaises(AccessError):
            confirmation.proof_attachment_id.with_user(employee).read(["datas"])
        portal = new_test_user(self.env, login="islebooks_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            confirmation.proof_attachment_id.with_user(portal).read(["datas"])

        other_company = self.setup_other_company()["company"]
        stranger = new_test_user(
            self.env,
            login="islebooks_other_accountant",
            groups="account.group_account_invoice",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        Confirmation = self.env["islebooks.payment.confirmation"].with_user(stranger)
        self.assertFalse(Confirmation.search([]))
        with self.assertRaises(AccessError):
            confirmation.with_user(stranger).read(["amount"])
        self.assertEqual(
            self.env["islebooks.payment.confirmation"]
            .with_user(self.salesperson)
            .search([("id", "=", confirmation.id)]),
            confirmation,
        )

    def test_invoice_opens_its_confirmations(self):
        confirmation = self._confirm(self.invoice_a)
        action = self.invoice_a.action_view_payment_confirmations()
        self.assertEqual(self.env[action["res_model"]].search(action["domain"]), confirmation)

    def test_proof_sniffing(self):
        from ..tools.parsing import sniff_proof

        self.assertEqual(sniff_proof(PDF_BYTES), ("application/pdf", "pdf"))
        self.assertEqual(sniff_proof(make_png()), ("image/png", "png"))
        self.assertEqual(sniff_proof(make_jpeg()), ("image/jpeg", "jpg"))
        self.assertIsNone(sniff_proof(b"GIF89a" + b"\0" * 20))
        self.assertIsNone(sniff_proof(base64.b64encode(make_png())))
        self.assertIsNone(sniff_proof(b""))

    def test_portal_link_scope_and_validation(self):
        """A portal link offers every open invoice of its customer, nothing else."""
        Confirmation = self.env["islebooks.payment.confirmation"]
        portal_link = self.env["islebooks.payment.link"]._get_or_create("portal", self.partner_a)
        other_customer = self._post_invoice(70.0, partner=self.partner_b)
        paid = self._post_invoice(10.0)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({"journal_id": self.bank_journal.id})._create_payments()
        self.assertEqual(
            Confirmation._get_link_open_invoices(portal_link), self.invoice_a + self.invoice_b
        )
        today = fields.Date.to_string(fields.Date.today())
        form = {
            "invoice_ids": [str(self.invoice_a.id), str(self.invoice_b.id)],
            "amount": "1,500.00",
            "transfer_date": today,
        }
        values, errors = Confirmation._validate_submission(
            portal_link, form, ("r.pdf", PDF_BYTES, False)
        )
        self.assertFalse(errors)
        self.assertEqual(values["invoices"], self.invoice_a + self.invoice_b)
        self.assertEqual(values["amount"], 1500.0)
        confirmation = Confirmation._create_from_link(
            portal_link, values["invoices"], values, values["proof"]
        )
        self.assertEqual(Confirmation._get_link_confirmations(portal_link), confirmation)
        self.assertEqual(Confirmation._get_link_confirmations(self.link), confirmation)

        for invoice_ids, message in (
            ([str(other_customer.id)], "cannot be confirmed from this page"),
            ([str(paid.id)], "cannot be confirmed from this page"),
            ([], "Choose the invoice"),
        ):
            _values, errors = Confirmation._validate_submission(
                portal_link, dict(form, invoice_ids=invoice_ids), ("r.pdf", PDF_BYTES, False)
            )
            self.assertIn(message, errors["invoice_ids"])

        # One transfer is for invoices of one currency.
        foreign = self.init_invoice(
            "out_invoice",
            partner=self.partner_a,
            amounts=[100.0],
            taxes=[],
            currency=self.setup_other_currency("EUR"),
        )
        foreign.action_post()
        _values, errors = Confirmation._validate_submission(
            portal_link,
            dict(form, invoice_ids=[str(self.invoice_a.id), str(foreign.id)]),
            ("r.pdf", PDF_BYTES, False),
        )
        self.assertIn("one currency", errors["invoice_ids"])

    def test_customer_list_queries_do_not_grow_with_confirmations(self):
        Confirmation = self.env["islebooks.payment.confirmation"]

        def render():
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            values = {
                "payment_confirmation": {
                    "confirmations": (Confirmation._get_link_confirmations(self.link))
                }
            }
            html = self.env["ir.qweb"]._render(
                "islebooks_payment_links.payment_confirmation_list", values
            )
            return self.cr.sql_log_count - before, str(html)

        for _i in range(2):
            self._confirm(self.invoice_a + self.invoice_b, amount=1.0, link=self.link)
        render()  # warm the template and ormcache up
        few, html = render()
        self.assertEqual(html.count("o_islebooks_confirmation_pending"), 2)
        for _i in range(10):
            self._confirm(self.invoice_a + self.invoice_b, amount=1.0, link=self.link)
        many, html = render()
        self.assertEqual(html.count("o_islebooks_confirmation_pending"), 12)
        self.assertEqual(few, many, "One query per confirmation crept into the page")
