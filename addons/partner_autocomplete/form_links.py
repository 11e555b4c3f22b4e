"""The company chosen in the contact form's dropdown, linked when the form is saved.

The dropdown's script adds the chosen company's id to the form
(``partner_autocomplete_company``); when the host saves the contact, the
company card goes to its chatter, but only for a company that was paid for.
"""

from __future__ import annotations

from flask import has_request_context, request

from addons.partner_autocomplete import enrich, purchases
from addons.partner_autocomplete.models import Company
from host import Contact, current_user

FORM_FIELD = "partner_autocomplete_company"


def link_from_form(ids: list[int]) -> None:
    if not has_request_context() or request.method != "POST" or len(ids) != 1:
        return
    raw = request.form.get(FORM_FIELD, "")
    if not raw.isdecimal() or len(raw) > 18:
        return
    company = Company.get_or_none(Company.id == int(raw))
    if company is None or not purchases.is_paid(company.id):
        return
    contact = Contact.get_or_none(Contact.id == ids[0])
    if contact is not None:
        enrich.link(contact, company, current_user())
