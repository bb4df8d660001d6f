from odoo import _, api, fields, models
from odoo.osv import expression

from ..tools.constants import MAX_NOTE_LENGTH, MAX_REFERENCE_LENGTH
from ..tools.parsing import parse_amount, parse_id, sniff_proof


class IslebooksPaymentConfirmation(models.Model):
    """The customer's report of a bank transfer, from a link's page: the invoices
    it may cover, the form's checks, the submission's rate limit, the record and
    its proof, the reviewer's note and activity."""

    _inherit = "islebooks.payment.confirmation"

    # ------------------------------------------------------------------
    # Creation (from the customer pages)
    # ------------------------------------------------------------------

    @api.model
    def _get_link_open_invoices(self, link, ids=None):
        """Invoices a link lets its holder report a transfer for (sudo, open only).

        ``ids`` narrows a portal link to those invoices (the ones a page shows
        or a form names), so a customer with thousands of invoices costs no more.
        """
        if link.scope == "invoice":
            invoices = link.move_id
        else:
            domain = link._get_portal_unpaid_domain()
            if ids is not None:
                domain = expression.AND([domain, [("id", "in", list(ids))]])
            invoices = self.env["account.move"].sudo().search(domain, order="invoice_date_due, id")
        return invoices.filtered(lambda move: move._is_open_invoice())

    @api.model
    def _get_link_confirmations(self, link, limit=20):
        """The confirmations a link's holder may see the status of (sudo)."""
        domain = [("company_id", "=", link.company_id.id)]
        if link.scope == "invoice":
            domain.append(("invoice_ids", "in", link.move_id.ids))
        else:
            domain.append(("partner_id", "=", link.partner_id.id))
        return self.sudo().search(domain, limit=limit)

    @api.model
    def _parse_amount(self, text):
        """An amount as people type it (``1 250,50``, ``1,250.50``) through the
        addon's one parser (``tools.parsing.parse_amount``), or None."""
        text = "".join((text or "").split())
        if "," in text and "." in text:
            text = text.replace(",", "")
        return parse_amount(text.replace(",", "."))

    @api.model
    def _validate_submission(self, link, form, proof):  # noqa: C901 (one flat list of checks)
        """Check what a customer typed; return ``(values, errors)``.

        ``form`` holds the raw strings of the request (``invoice_ids`` a list),
        ``proof`` is ``(filename, bytes, too_large)`` or ``None``. Invoices,
        amount due and currency come from the link, never from the request.
        """
        company = link.company_id
        errors = {}
        values = {}
        wanted = set()
        for raw_id in form.get("invoice_ids") or []:
            # ASCII digits of a PostgreSQL id ("²".isdigit() is true too).
            if not parse_id(raw_id):
                errors["invoice_ids"] = _("Choose invoices from this page only.")
                break
            wanted.add(parse_id(raw_id))
        allowed = self._get_link_open_invoices(link, wanted)
        invoices = allowed.filtered(lambda m: m.id in wanted)
        if "invoice_ids" not in errors:
            if len(invoices) != len(wanted):
                errors["invoice_ids"] = _(
                    "One of the chosen invoices cannot be confirmed from this page: it is paid,"
                    " cancelled or not one of yours."
                )
            elif not invoices:
                errors["invoice_ids"] = _("Choose the invoice(s) you paid.")
            elif len(invoices.currency_id) > 1:
                errors["invoice_ids"] = _("Choose invoices in one currency per transfer.")
        values["invoices"] = invoices

        currency = invoices.currency_id[:1] or allowed.currency_id[:1] or company.currency_id
        amount = self._parse_amount(form.get("amount"))
        if not (form.get("amount") or "").strip():
            errors["amount"] = _("Enter the amount you transferred.")
        elif amount is None:
            errors["amount"] = _("Enter the amount as a number, e.g. 1250.00.")
        elif currency.compare_amounts(amount, 0) <= 0:
            errors["amount"] = _("The amount must be more than zero.")
        elif invoices and "invoice_ids" not in errors:
            due = sum(invoices._get_amount_due_totals("residual").values())
            too_much = currency.compare_amounts(amount, due) > 0
            if too_much and not company.payment_confirmation_allow_overpayment:
                errors["amount"] = _(
                    "The amount is more than the %(due)s due on the chosen invoices.",
                    due=currency.format(due),
                )
        values["amount"] = currency.round(amount) if amount is not None else 0.0

        try:
            transfer_date = fields.Date.to_date((form.get("transfer_date") or "").strip())
        except ValueError:
            transfer_date = None
            errors["transfer_date"] = _("Enter the date of the transfer.")
        if not transfer_date:
            errors.setdefault("transfer_date", _("Enter the date of the transfer."))
        elif transfer_date > fields.Date.context_today(self):
            errors["transfer_date"] = _("The transfer date cannot be in the future.")
        elif transfer_date < self._get_oldest_transfer_date(invoices):
            errors["transfer_date"] = _("The transfer date is too far in the past.")
        values["transfer_date"] = transfer_date

        reference = (form.get("bank_reference") or "").strip()
        if len(reference) > MAX_REFERENCE_LENGTH:
            errors["bank_reference"] = _(
                "Keep the reference under %(max)s characters.", max=MAX_REFERENCE_LENGTH
            )
        values["bank_reference"] = reference
        note = (form.get("note") or "").strip()
        if len(note) > MAX_NOTE_LENGTH:
            errors["note"] = _("Keep the note under %(max)s characters.", max=MAX_NOTE_LENGTH)
        values["note"] = note

        max_mb = company.payment_confirmation_max_size or 5
        if not proof:
            if company.payment_confirmation_proof_required:
                errors["proof"] = _("Attach a proof of the transfer (PDF, JPEG or PNG).")
        else:
            filename, data, too_large = proof
            if too_large or len(data) > max_mb * 1024 * 1024:
                errors["proof"] = _("The file is larger than %(max)s MB.", max=max_mb)
            elif not data:
                errors["proof"] = _("The file is empty.")
            elif not sniff_proof(data):
                errors["proof"] = _("The proof must be a PDF, JPEG or PNG file.")
            else:
                values["proof"] = (filename, data)
        return values, errors

    @api.model
    def _check_rate_limit(self, link):
        """True if the link may submit again (the keyed throttle's
        ``_confirmation_rule``); serialises submissions of one link."""
        self.env.cr.execute(
            "SELECT id FROM islebooks_payment_link WHERE id = %s FOR UPDATE",
            [link.id],
            # A stale snapshot fails to serialize here: Odoo retries the request.
            log_exceptions=False,
        )
        Throttle = self.env["islebooks.payment.link.throttle"].sudo()
        return not Throttle._retry_after(*Throttle._confirmation_rule(link))

    @api.model
    def _create_from_link(self, link, invoices, values, proof=None):
        """Record a customer's confirmation; ``proof`` is ``(filename, bytes)``.

        Called with sudo by the website once the link and every value have
        been validated; the proof is attached to the confirmation only.
        """
        company = link.company_id
        confirmation = self.sudo().create(
            {
                "link_id": link.id,
                "partner_id": link.partner_id.id,
                "company_id": company.id,
                "invoice_ids": [fields.Command.set(invoices.ids)],
                "currency_id": invoices.currency_id.id,
                "amount": values["amount"],
                "transfer_date": values["transfer_date"],
                "bank_reference": values.get("bank_reference") or False,
                "note": values.get("note") or False,
                "journal_id": company.payment_confirmation_journal_id.id,
            }
        )
        if proof:
            filename, data = proof
            mimetype, extension = sniff_proof(data)
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": f"proof-{confirmation.id}.{extension}",
                        "description": filename[:200] if filename else False,
                        "raw": data,
                        "mimetype": mimetype,
                        "res_model": self._name,
                        "res_id": confirmation.id,
                        "public": False,
                    }
                )
            )
            confirmation.proof_attachment_id = attachment
        confirmation._notify_reviewer()
        # Counted against the link's hourly limit with the confirmation: a
        # submission that is rolled back counts for nothing.
        Throttle = self.env["islebooks.payment.link.throttle"].sudo()
        key, _limit, window = Throttle._confirmation_rule(link)
        Throttle._hit(key, window, keep_on_rollback=False)
        return confirmation

    def _notify_reviewer(self):
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        for confirmation in self:
            invoice_names = ", ".join(confirmation.invoice_ids.mapped("name"))
            confirmation.message_post(
                body=_(
                    "Customer reported a bank transfer for %(invoices)s.", invoices=invoice_names
                ),
                subtype_xmlid="mail.mt_note",
            )
            # One batch insert for all invoices, not one message_post each.
            confirmation.invoice_ids._message_log_batch(
                bodies=dict.fromkeys(
                    confirmation.invoice_ids.ids,
                    _("The customer reported a bank transfer: it awaits review."),
                )
            )
            # Only real, active staff get the activity (not OdooBot or a portal user).
            user = (
                confirmation.company_id.payment_confirmation_user_id
                | confirmation.invoice_ids.invoice_user_id
            ).filtered(lambda u: u.active and not u.share)[:1]
            if todo and user:
                confirmation.activity_schedule(
                    activity_type_id=todo.id,
                    summary=_("Review bank transfer confirmation"),
                    note=_("Check the bank statement, then approve or reject."),
                    user_id=user.id,
                )
