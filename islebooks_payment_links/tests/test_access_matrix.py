"""The insider matrix: every field of the addon, read and written by every kind of user.

The outsider matrix (``test_security_matrix.py``) crosses links with routes;
this one crosses Odoo users with the ORM, the way RPC reaches it
(``search_read``, ``read``, ``write`` with the user's environment, never sudo):

- ``ROLES``: the users an insider can be (Employee, Salesman of the documents,
  Auditor, Billing of company A, Billing of company B, portal user of the
  customer, public, system administrator), each built in ``setUpClass``;
- the models: every ``islebooks.*`` model of the registry, plus the addon's
  fields on Odoo's models (``account.move``, ``res.partner``);
- the fields: ``env[model]._fields`` defined by the addon, so a new field or
  model is in the matrix the day it is added (and needs a record in
  ``_matrix_records`` and, for a new field type, a value in ``_new_value``).

The expected grant is stated once per role in ``READ_GRANTS``/``WRITE_GRANTS``;
a plain data field the addon adds to an Odoo model (``res.partner.whatsapp``)
is expected to grant exactly what Odoo's own field beside it grants
(``LIKE_ODOO``). Every cell is tried on a record of company A and the matrix
asserts the exact set of granted cells, counted from the generators.
"""

import base64
import contextlib
import json
from datetime import timedelta
from urllib.parse import quote

from odoo import Command, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .test_security_matrix import PaymentLinkMatrixCommon

ADDON = "islebooks_payment_links"
ALL = "all fields"
ODOO_MODELS = ("account.move", "res.partner")
ROLES = (
    "employee",
    "salesman",
    "auditor",
    "billing_a",
    "billing_b",
    "portal",
    "public",
    "system",
)
# The throttle holds visitors' IP addresses: system administrators only.
THROTTLE = "islebooks.payment.link.throttle"
# The background job's queue of legal PDFs: the addon's own, read by administrators.
PDF_QUEUE = "islebooks.payment.link.pdf"
# The receipt emails owed to customers (the job's queue): administrators read it.
RECEIPT_QUEUE = "islebooks.payment.receipt"
# WhatsApp texts are shared by the companies, like mail templates: every invoicing
# user renders them; invoicing managers (no role here) edit them.
TEMPLATE = "islebooks.whatsapp.template"
STAFF_MODELS = {
    "islebooks.payment.link": ALL,
    "islebooks.payment.confirmation": ALL,
    "islebooks.payment.confirmation.reject": ALL,
    "islebooks.payment.link.wizard": ALL,
    "islebooks.whatsapp.send": ALL,
    "islebooks.whatsapp.send.line": ALL,
    "islebooks.payment.reminder": ALL,
    "islebooks.payment.reminder.line": ALL,
    TEMPLATE: ALL,
    "account.move": ALL,
    "res.partner": ALL,
}
# role -> {model: readable fields} of company A's records. Nobody but invoicing
# staff of company A sees a link, a confirmation, a WhatsApp message or a
# Generate Payment Link dialog of company A.
READ_GRANTS = {
    "employee": {},
    "salesman": {},
    "auditor": {},
    "billing_a": STAFF_MODELS,
    "billing_b": {TEMPLATE: ALL},
    "portal": {},
    "public": {},
    "system": {THROTTLE: ALL, PDF_QUEUE: ALL, RECEIPT_QUEUE: ALL},
}
# role -> {model: writable fields}: only what staff edit in the forms; tokens,
# targets, companies, view counters, review outcomes and messages are the
# addon's to write. (One2many attempts remove every child: nobody may.)
WRITE_GRANTS = {
    "employee": {},
    "salesman": {},
    "auditor": {},
    "billing_a": {
        "islebooks.payment.link": {"expires_at"},
        "islebooks.payment.confirmation": {
            "amount",
            "transfer_date",
            "bank_reference",
            "journal_id",
        },
        "islebooks.payment.confirmation.reject": {"reason", "confirmation_ids"},
        "islebooks.whatsapp.send.line": {"opened"},
        # Payment reminders: an invoice's opt-out (the customer's opt-out and
        # channel follow Odoo's right to edit contacts, which Billing lacks; the
        # queue changes through its actions only).
        "account.move": {"payment_reminder_disabled"},
    },
    "billing_b": {},
    "portal": {},
    "public": {},
    "system": {},
}
# A plain data field the addon adds to an Odoo model grants what Odoo's own
# field of the same kind grants, role by role.
LIKE_ODOO = {("res.partner", "whatsapp"): "mobile"}
# Values a field validates (a phone number), for it and its Odoo counterpart.
SAMPLE_VALUES = {
    ("res.partner", "whatsapp"): "+960 777 9999",
    ("res.partner", "mobile"): "+960 777 9999",
}
# Columns the ORM writes itself.
NOT_WRITTEN = set(models.MAGIC_COLUMNS) | {"display_name"}
REFUSED = (AccessError, UserError, ValidationError)


def _grants(table, role, model, fname):
    granted = table[role].get(model, ())
    return granted == ALL or fname in granted


class InsiderCommon(PaymentLinkMatrixCommon):
    """Company A's customer and its records, and one user per role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_a, company_b = cls.company_a, cls.company_b
        one_company = {"company_id": company_a.id, "company_ids": [Command.set(company_a.ids)]}
        salesman_group = (
            "sales_team.group_sale_salesman"
            if cls.env.ref("sales_team.group_sale_salesman", raise_if_not_found=False)
            else "base.group_user"
        )
        # A customer of company A only: every record of the matrix is A's.
        cls.a_partner = cls.env["res.partner"].create(
            {
                "name": "Lagoon Lodge Pvt",
                "company_id": company_a.id,
                "email": "lagoon@example.com",
                "mobile": "+960 777 1234",
                "whatsapp": "+960 777 1234",
            }
        )
        cls.users = {
            "employee": new_test_user(
                cls.env, login="ib_employee", groups="base.group_user", **one_company
            ),
            "salesman": new_test_user(
                cls.env, login="ib_salesman", groups=salesman_group, **one_company
            ),
            "auditor": new_test_user(
                cls.env, login="ib_auditor", groups="account.group_account_readonly", **one_company
            ),
            "billing_a": new_test_user(
                cls.env, login="ib_billing_a", groups="account.group_account_invoice", **one_company
            ),
            "billing_b": new_test_user(
                cls.env,
                login="ib_billing_b",
                groups="account.group_account_invoice",
                company_id=company_b.id,
                company_ids=[Command.set(company_b.ids)],
            ),
            "portal": new_test_user(
                cls.env,
                login="ib_portal",
                groups="base.group_portal",
                partner_id=cls.a_partner.id,
                **one_company,
            ),
            "public": cls.env.ref("base.public_user"),
            "system": new_test_user(
                cls.env, login="ib_system", groups="base.group_system", **one_company
            ),
        }
        # The Salesman's own documents: the customer and its invoice are theirs.
        cls.a_partner.user_id = cls.users["salesman"]
        cls.a_invoice = cls._create_invoice(partner=cls.a_partner, amount=123.45)
        cls.a_invoice.invoice_user_id = cls.users["salesman"]
        cls.records = cls._matrix_records()

    @classmethod
    def _matrix_records(cls):
        """One record of company A per model, made the way users make them."""
        billing_a = cls.users["billing_a"]
        Link = cls.env["islebooks.payment.link"]
        link = cls.a_invoice._get_payment_links()
        Link.with_company(cls.company_a)._get_or_create("portal", cls.a_partner)
        # A payment reminder queued by the job (a_invoice is due today), before
        # the confirmations below make the invoice pending.
        cls.company_a.payment_reminder_enabled = True
        cls.env["islebooks.payment.reminder"].sudo()._plan_company(cls.company_a, 100)
        reminder = cls.env["islebooks.payment.reminder"].search(
            [("partner_id", "=", cls.a_partner.id)]
        )
        Confirmation = cls.env["islebooks.payment.confirmation"]
        values = {"amount": 10.0, "transfer_date": fields.Date.today(), "bank_reference": "A-1"}
        confirmation, other_confirmation = (
            Confirmation._create_from_link(link, cls.a_invoice, dict(values, bank_reference=ref))
            for ref in ("A-1", "A-2")
        )
        # A payment of the link (the target of a One2many attempt).
        cls.env["payment.transaction"].sudo().create(
            {
                "provider_id": cls.demo_provider.id,
                "payment_method_id": cls.demo_provider.payment_method_ids[:1].id,
                "amount": 1.0,
                "currency_id": cls.a_invoice.currency_id.id,
                "partner_id": cls.a_partner.id,
                "islebooks_payment_link_id": link.id,
                "reference": "MATRIX-1",
            }
        )
        # A payment whose receipt email is owed (queued as a link payment's is).
        payment = (
            cls.env["account.payment"]
            .with_company(cls.company_a)
            .create(
                {
                    "partner_id": cls.a_partner.id,
                    "amount": 1.0,
                    "payment_type": "inbound",
                    "partner_type": "customer",
                }
            )
        )
        cls.env[RECEIPT_QUEUE]._queue(payment)
        # Twice each: the second is the record, the first what a wizard field
        # could be pointed at instead.
        as_billing_a = cls.env(user=billing_a, context={"allowed_company_ids": cls.company_a.ids})
        for _i in range(2):
            action = (
                as_billing_a["res.partner"].browse(cls.a_partner.id).action_generate_payment_link()
            )
            as_billing_a["account.move"].browse(cls.a_invoice.id).action_send_whatsapp()
        wizard = cls.env["islebooks.payment.link.wizard"].browse(action["res_id"])
        whatsapp_line = cls.env["islebooks.whatsapp.send.line"].search(
            [("move_ids", "=", cls.a_invoice.id)], order="id desc", limit=1
        )
        reject = cls.env["islebooks.payment.confirmation.reject"].create(
            {"confirmation_ids": [Command.set(confirmation.ids)], "reason": "Not on statement"}
        )
        throttle = (
            cls.env[THROTTLE]
            .sudo()
            .create({"key": "198.51.100.7", "window_start": fields.Datetime.now(), "hits": 3})
        )
        records = {
            "islebooks.payment.reminder": reminder,
            "islebooks.payment.reminder.line": reminder.line_ids,
            "islebooks.payment.link": link,
            "islebooks.payment.confirmation": confirmation,
            "islebooks.payment.confirmation.reject": reject,
            THROTTLE: throttle,
            # Queued when the invoice's link was handed out above.
            PDF_QUEUE: cls.env[PDF_QUEUE].sudo().search([("move_id", "=", cls.a_invoice.id)]),
            RECEIPT_QUEUE: cls.env[RECEIPT_QUEUE].sudo().search([("payment_id", "=", payment.id)]),
            TEMPLATE: cls.env.ref(f"{ADDON}.whatsapp_template_invoice"),
            "islebooks.payment.link.wizard": wizard,
            "islebooks.whatsapp.send": whatsapp_line.wizard_id,
            "islebooks.whatsapp.send.line": whatsapp_line,
            "account.move": cls.a_invoice,
            "res.partner": cls.a_partner,
        }
        cls.other_confirmation = other_confirmation
        for model, record in records.items():
            assert len(record) == 1, model
        return records

    def _user_env(self, role):
        return self.env(user=self.users[role], su=False, context={})


@tagged("post_install", "-at_install")
class TestAccessMatrix(InsiderCommon):
    # ------------------------------------------------------------------
    # Generators
    # ------------------------------------------------------------------

    def _models(self):
        # The addon's own: a glue addon's models (Send by SMS) are its tests' to cover.
        addon_models = sorted(
            name
            for name, model in self.env.registry.items()
            if name.startswith("islebooks.")
            and not model._abstract
            and model._original_module == ADDON
        )
        return addon_models + list(ODOO_MODELS)

    def _fields(self, model):
        # The addon's fields, also where a glue addon extends one (SMS, a reminder channel).
        return sorted(
            name
            for name, field in self.env[model]._fields.items()
            if ADDON in (field._modules or ())
        )

    def _other_records(self, field, record):
        """Records the field could point to instead (company A's, or the other company)."""
        Comodel = self.env[field.comodel_name].sudo().with_context(active_test=False)
        current = record.sudo()[field.name]
        domain = [("id", "not in", current.ids)]
        if isinstance(field.domain, list):
            domain += field.domain
        elif isinstance(field.domain, str):
            domain += safe_eval(field.domain)
        if "company_id" in Comodel._fields and Comodel._name != "res.company":
            domain.append(("company_id", "in", [False, self.company_a.id]))
        if field.comodel_name == self.records["islebooks.payment.confirmation"]._name:
            return self.other_confirmation
        others = Comodel.search(domain, limit=1)
        self.assertTrue(others, f"no other {field.comodel_name} for {record._name}.{field.name}")
        return others

    def _new_value(self, record, field):
        """A value other than the current one, of the field's type."""
        current = record.sudo()[field.name]
        now = fields.Datetime.now().replace(microsecond=0)
        kind = field.type
        if (record._name, field.name) in SAMPLE_VALUES:
            return SAMPLE_VALUES[record._name, field.name]
        if kind in ("char", "text", "html"):
            return "Matrix 42"
        if kind == "integer":
            return (current or 0) + 42
        if kind in ("float", "monetary"):
            return (current or 0.0) + 4.25
        if kind == "boolean":
            return not current
        if kind == "date":
            return fields.Date.today() - timedelta(days=3)
        if kind == "datetime":
            return now + timedelta(days=30)
        if kind == "selection":
            options = [value for value, _label in field._description_selection(self.env)]
            return next(value for value in options if value != current)
        if kind == "binary":
            return base64.b64encode(b"matrix")
        if kind == "json":
            return [{"total": "Matrix 42", "overdue": ""}]
        if kind == "many2one":
            return self._other_records(field, record)[:1].id
        if kind == "many2many":
            return [Command.set(self._other_records(field, record)[:1].ids)]
        if kind == "one2many":
            self.assertTrue(current, f"{record._name}.{field.name} needs a child in the fixture")
            return [Command.clear()]
        raise AssertionError(f"No matrix value for a {kind} field ({record._name}.{field.name})")

    @staticmethod
    def _comparable(value):
        return tuple(value.ids) if isinstance(value, models.BaseModel) else value

    # ------------------------------------------------------------------
    # One cell
    # ------------------------------------------------------------------

    def _can_read(self, env, record, fname):
        Model = env[record._name]
        try:
            rows = Model.search_read([("id", "=", record.id)], [fname])
            read = Model.browse(record.id).read([fname])
        except AccessError:
            return False
        return bool(rows) and bool(read)

    def _can_write(self, env, record, fname):
        """Write a new value as the user; True if it was stored. Always rolled back."""
        field = record._fields[fname]
        value = self._new_value(record, field)
        before = self._comparable(record.sudo()[fname])
        with contextlib.closing(self.env.cr.savepoint()):
            try:
                env[record._name].browse(record.id).write({fname: value})
                env.flush_all()
            except REFUSED:
                written = False
            else:
                self.env.invalidate_all()
                written = self._comparable(record.sudo()[fname]) != before
        self.env.invalidate_all()
        return written

    def _expected(self, table, role, model, fname, attempt):
        if (model, fname) in LIKE_ODOO:
            return attempt(self._user_env(role), self.records[model], LIKE_ODOO[model, fname])
        return _grants(table, role, model, fname)

    # ------------------------------------------------------------------
    # The matrix
    # ------------------------------------------------------------------

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule", "odoo.models.unlink")
    def test_every_role_reads_and_writes_exactly_its_grant(self):
        cells = [
            (operation, role, model, fname)
            for operation in ("read", "write")
            for role in ROLES
            for model in self._models()
            for fname in self._fields(model)
            if operation == "read" or fname not in NOT_WRITTEN
        ]
        attempts = {"read": self._can_read, "write": self._can_write}
        tables = {"read": READ_GRANTS, "write": WRITE_GRANTS}
        self.assertEqual(set(self._models()) - set(ODOO_MODELS), set(self.records) - {*ODOO_MODELS})
        actual, expected = {}, {}
        for cell in cells:
            operation, role, model, fname = cell
            attempt = attempts[operation]
            actual[cell] = attempt(self._user_env(role), self.records[model], fname)
            expected[cell] = self._expected(tables[operation], role, model, fname, attempt)
        self.assertEqual(
            sorted(cell for cell in cells if actual[cell] != expected[cell]),
            [],
            "cells (operation, role, model, field) where the grant differs from the table",
        )
        granted = {cell for cell in cells if actual[cell]}
        stated_read = {
            ("read", role, model, fname)
            for role in ROLES
            for model in self._models()
            for fname in self._fields(model)
            if (model, fname) not in LIKE_ODOO and _grants(READ_GRANTS, role, model, fname)
        }
        stated_write = {
            ("write", role, model, fname)
            for role, grants in WRITE_GRANTS.items()
            for model, names in grants.items()
            for fname in names
        }
        like_odoo = {cell for cell in granted if (cell[2], cell[3]) in LIKE_ODOO}
        self.assertEqual(granted - like_odoo, stated_read | stated_write)


@tagged("post_install", "-at_install")
class TestInsiderAttacks(InsiderCommon):
    """What an insider would try with the ORM (as RPC calls it) and the report routes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a_link = cls.records["islebooks.payment.link"]
        cls.a_portal = cls.env["islebooks.payment.link"].search(
            [("scope", "=", "portal"), ("partner_id", "=", cls.a_partner.id)]
        )

    def _addon_fields(self, model, *plain_data):
        """The addon's fields on an Odoo model, but ``plain_data``."""
        fields_ = self.env[model]._fields.items()
        return {name for name, field in fields_ if field._module == ADDON} - set(plain_data)

    # ------------------------------------------------------------------
    # 1. Read access
    # ------------------------------------------------------------------

    def test_employee_and_auditor_cannot_harvest_links(self):
        tokens = (self.a_link.token, self.a_portal.token)
        for role in ("employee", "salesman", "auditor"):
            with self.subTest(role=role):
                env = self._user_env(role)
                Partner = env["res.partner"]
                with self.assertRaises(AccessError):
                    Partner.search_read(
                        [("id", "=", self.a_partner.id)], ["payment_link_portal_url"]
                    )
                with self.assertRaises(AccessError):
                    Partner.browse(self.a_partner.id).read(["payment_link_portal_id"])
                # The fields its forms and lists are offered: no link among them.
                offered = Partner.fields_get(attributes=["type"])
                self.assertIn("whatsapp", offered)
                self.assertFalse(self._addon_fields("res.partner", "whatsapp") & set(offered))
                rows = Partner.search_read([("id", "=", self.a_partner.id)], ["name", "whatsapp"])
                self.assertEqual(len(rows), 1)
                for token in tokens:
                    self.assertNotIn(token, str(rows))
        # The auditor reads invoices, but not their links.
        Move = self._user_env("auditor")["account.move"]
        self.assertEqual(Move.search([("id", "=", self.a_invoice.id)]), self.a_invoice)
        offered = Move.fields_get(attributes=["type"])
        self.assertFalse(self._addon_fields("account.move") & set(offered))
        with self.assertRaises(AccessError):
            Move.search_read([("id", "=", self.a_invoice.id)], ["payment_link_url"])

    def test_billing_of_company_b_reads_no_line_of_company_a(self):
        env = self._user_env("billing_b")
        tokens = (self.a_link.token, self.a_portal.token)
        line = "islebooks.whatsapp.send.line"
        rows = env[line].search_read([], ["url"])
        for token in tokens:
            self.assertNotIn(token, str(rows))
        with self.assertRaises(AccessError):
            env[line].browse(self.records[line].id).read(["url"])
        # A's Generate Payment Link dialog is out of B's reach, and so are its links.
        wizard = "islebooks.payment.link.wizard"
        with self.assertRaises(AccessError):
            env[wizard].browse(self.records[wizard].id).read(["link_ids"])
        # B's own dialog for the shared customer shows B's link, never A's.
        as_b = env["res.partner"].with_context(allowed_company_ids=self.company_b.ids)
        action = as_b.browse(self.customer.id).action_generate_payment_link()
        b_wizard = env[wizard].browse(action["res_id"])
        self.assertEqual(b_wizard.link_ids.company_id, self.company_b)
        self.assertEqual(
            env[wizard].search_read([], ["link_ids"]),
            [{"id": b_wizard.id, "link_ids": b_wizard.link_ids.ids}],
        )
        self.assertNotIn(self.a_portal.token, b_wizard.link_ids.url)
        # Pointing B's dialog at A's link is refused.
        for command in (
            Command.link(self.a_portal.id),
            Command.update(self.a_portal.id, {"expires_at": False}),
        ):
            with self.subTest(command=command), self.assertRaises(AccessError):
                b_wizard.write({"link_ids": [command]})
        self.assertEqual(b_wizard.link_ids.company_id, self.company_b)

    def test_statement_report_only_for_billing_in_its_companies(self):
        report = "/report/pdf/islebooks_payment_links.report_partner_statement"
        a_options = json.dumps({"company_id": self.company_a.id})
        for login, partner, options in (
            ("ib_employee", self.a_partner, None),
            ("ib_auditor", self.a_partner, None),
            ("ib_billing_b", self.a_partner, None),
            # The shared customer, as seen by B's accountant, in A's books.
            ("ib_billing_b", self.customer, a_options),
            ("ib_portal", self.a_partner, None),
        ):
            with self.subTest(login=login, partner=partner.name, options=options):
                self.authenticate(login, login)
                path = f"{report}/{partner.id}" + (f"?options={quote(options)}" if options else "")
                with mute_logger("odoo.http", "odoo.addons.base.models.ir_rule"):
                    response = self.url_open(path, allow_redirects=False)
                self.assertIn(response.status_code, (303, 403, 404), response.text[:200])
                self.assertNotIn(self.a_invoice.name, response.text)
                self.assertNotIn("Statement of Account", response.text)
        self.authenticate(None, None)
        with mute_logger("odoo.http"):
            response = self.url_open(f"{report}/{self.a_partner.id}", allow_redirects=False)
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn(self.a_invoice.name, response.text)
        # Billing of A prints it; the customer gets it through their own link.
        self.authenticate("ib_billing_a", "ib_billing_a")
        response = self.url_open(f"{report}/{self.a_partner.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.a_invoice.name, response.text)
        self.authenticate(None, None)
        response = self.url_open(f"/pay/{self.a_portal.token}/statement")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.a_partner.name, response.text)

    # ------------------------------------------------------------------
    # 2. Write access
    # ------------------------------------------------------------------

    def test_billing_cannot_forge_links(self):
        env = self._user_env("billing_a")
        link = env["islebooks.payment.link"].browse(self.a_link.id)
        revoked = env["islebooks.payment.link"].browse(self.revoked_link.id)
        for vals in (
            {"token": "A" * 43},
            {"company_id": self.company_b.id},
            {"partner_id": self.rival.id},
            {"scope": "portal"},
            {"move_id": self.rival_invoice.id},
            {"view_count": 0, "first_viewed_at": False},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                link.write(vals)
        # A revoked link stays revoked.
        with self.assertRaises(AccessError):
            revoked.write({"revoked_at": False})
        self.assertEqual(self.url_open(f"/pay/{self.revoked_link.token}").status_code, 404)
        with self.assertRaises(AccessError):
            env["islebooks.payment.link"].create(
                {"token": "B" * 43, "partner_id": self.a_partner.id, "move_id": self.a_invoice.id}
            )
        # What staff may change: the expiry.
        expiry = fields.Datetime.now().replace(microsecond=0) + timedelta(days=7)
        link.write({"expires_at": expiry})
        self.assertEqual(self.a_link.expires_at, expiry)
        # Even the addon's own code cannot tie a link to another customer's invoice.
        with self.assertRaises(ValidationError):
            self.a_link.sudo().move_id = self.rival_invoice

    def test_billing_cannot_forge_a_review(self):
        env = self._user_env("billing_a")
        confirmation = env["islebooks.payment.confirmation"].browse(
            self.records["islebooks.payment.confirmation"].id
        )
        for vals in (
            {"state": "approved"},
            {"invoice_ids": [Command.set(self.rival_invoice.ids)]},
            {"payment_ids": [Command.set(self.paid.sudo().matched_payment_ids.ids)]},
            {"partner_id": self.rival.id},
            {"reviewed_by_id": self.users["billing_a"].id},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                confirmation.write(vals)
        self.assertEqual(confirmation.sudo().state, "pending")
        with self.assertRaises(ValidationError):
            confirmation.sudo().invoice_ids = self.rival_invoice
        # Staff correct the details before review, not after.
        confirmation.write({"amount": 12.5, "bank_reference": "A-1 corrected"})
        confirmation.journal_id = self.bank_journal
        confirmation.action_approve()
        self.assertEqual(confirmation.state, "approved")
        with self.assertRaises(UserError):
            confirmation.write({"amount": 99.0})
        with self.assertRaises(UserError):
            confirmation.action_approve()
        self.assertEqual(len(confirmation.payment_ids), 1)

    def test_actions_check_the_invoicing_group_themselves(self):
        auditor = self._user_env("auditor")
        move = auditor["account.move"].browse(self.a_invoice.id)
        partner = auditor["res.partner"].browse(self.a_partner.id)
        for action in (
            move.action_copy_payment_link,
            move.action_send_whatsapp,
            move.action_revoke_payment_link,
            move.action_regenerate_payment_link,
            partner.action_generate_payment_link,
            partner.action_open_portal_payment_link,
        ):
            with self.subTest(action=action.__name__), self.assertRaises(AccessError):
                action()
        self.assertEqual(self.a_link.state, "active")
        confirmation = self.records["islebooks.payment.confirmation"]
        for role in ("employee", "auditor"):
            Confirmation = self._user_env(role)["islebooks.payment.confirmation"]
            for action in ("action_approve", "action_open_reject_wizard"):
                with self.subTest(role=role, action=action), self.assertRaises(AccessError):
                    getattr(Confirmation.browse(confirmation.id), action)()
        self.assertEqual(confirmation.state, "pending")

    def test_share_is_noted_for_billing_of_the_link_company_only(self):
        """Share… runs in the browser, then calls ``action_log_share`` with the links'
        ids: an RPC entry point anyone could call with any ids."""
        links = self.a_link | self.a_portal
        documents = (self.a_invoice, self.a_partner)

        def share_notes():
            messages = self.a_invoice.message_ids | self.a_partner.message_ids
            return messages.filtered(lambda m: "share sheet" in m.body)

        for role in set(ROLES) - {"billing_a"}:
            Link = self._user_env(role)["islebooks.payment.link"]
            with self.subTest(role=role), self.assertRaises(AccessError):
                Link.browse(links.ids).action_log_share()
        self.assertFalse(share_notes())

        billing = self.users["billing_a"]
        self._user_env("billing_a")["islebooks.payment.link"].browse(links.ids).action_log_share()
        invoice_note, customer_note = (doc.message_ids[:1] for doc in documents)
        self.assertEqual(
            invoice_note.body,
            f"<p>Payment link shared from the device's share sheet by {billing.name}.</p>",
        )
        self.assertEqual(
            customer_note.body,
            f"<p>Portal payment link shared from the device's share sheet by {billing.name}.</p>",
        )
        self.assertEqual(share_notes(), invoice_note | customer_note)
        self.assertEqual((invoice_note | customer_note).author_id, billing.partner_id)
        self.assertEqual((invoice_note | customer_note).subtype_id, self.env.ref("mail.mt_note"))

        # A link that no longer opens is not sent.
        self.a_portal.action_revoke()
        with self.assertRaises(UserError):
            self._user_env("billing_a")["islebooks.payment.link"].browse(
                self.a_portal.id
            ).action_log_share()
        self.assertEqual(share_notes(), invoice_note | customer_note)

    # ------------------------------------------------------------------
    # 3. A link belongs to its customer
    # ------------------------------------------------------------------

    def test_invoice_reposted_to_another_customer_drops_the_old_link(self):
        invoice = self.a_invoice
        old = self.a_link
        self.assertEqual(self.url_open(f"/pay/{old.token}").status_code, 200)
        invoice.button_draft()
        invoice.partner_id = self.rival
        invoice.action_post()
        self.assertEqual(old.state, "revoked")
        self.assertIn("customer changed", "".join(invoice.message_ids.mapped("body")))
        response = self.url_open(f"/pay/{old.token}")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(invoice.name, response.text)
        # The old customer asking for a fresh link from it gets nothing of the
        # new customer's (who has no email: it would have gone to the old one).
        self.rival.email = False
        Mail = self.env["mail.mail"].sudo()
        mails_before = Mail.search([])
        self.assertFalse(self.env["islebooks.payment.link"]._request_renewal(old.token))
        self.assertFalse(
            (Mail.search([]) - mails_before).filtered(
                lambda mail: (
                    self.a_partner.email in (mail.email_to or "")
                    or self.a_partner in mail.recipient_ids
                )
            )
        )
        new = invoice._get_payment_links()
        self.assertNotEqual(new, old)
        self.assertEqual(new.partner_id, self.rival)
        response = self.url_open(f"/pay/{new.token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(invoice.name, response.text)

    def test_contact_that_joined_a_company_loses_its_links(self):
        contact = self.env["res.partner"].create({"name": "Mariyam Solo", "email": "m@example.com"})
        invoice = self._create_invoice(partner=contact, amount=42.0)
        invoice_link = invoice._get_payment_links()
        portal = self.env["islebooks.payment.link"]._get_or_create("portal", contact)
        for link in (invoice_link, portal):
            self.assertEqual(self.url_open(f"/pay/{link.token}").status_code, 200)
        # The contact now works for a company: its documents are the company's.
        company = self.env["res.partner"].create({"name": "Solo Holdings", "is_company": True})
        contact.parent_id = company
        self.assertEqual(invoice.commercial_partner_id, company)
        for link in (invoice_link, portal):
            with self.subTest(scope=link.scope):
                response = self.url_open(f"/pay/{link.token}")
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(invoice.name, response.text)
        # Handed out again, the invoice's link is a new one, for the company.
        fresh = invoice._get_payment_links()
        self.assertNotEqual(fresh, invoice_link)
        self.assertEqual(fresh.partner_id, company)
        self.assertEqual(self.url_open(f"/pay/{fresh.token}").status_code, 200)
