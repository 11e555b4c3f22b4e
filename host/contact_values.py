"""What a contact's website and email must look like, for every form that fills one.

The host's contact form checks them; an addon whose records become contacts (a
lead converted) checks its own fields with the same rules, so nothing reaches a
contact that its form would have refused.
"""

from __future__ import annotations

import re

from wtforms.validators import ValidationError

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WEBSITE = re.compile(r"^https?://[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(/\S*)?$", re.I)


def website_url(raw: str | None) -> str:
    """``raw`` as a contact's website: ``https://`` is added when no scheme is
    given; ``""`` for nothing. Raises ``ValueError`` for anything but a web
    address (another scheme such as ``javascript:``, spaces, no domain)."""
    url = (raw or "").strip()
    if not url:
        return ""
    if not re.match(r"^https?://", url, re.I):
        url = "https://" + url
    if not WEBSITE.match(url):
        raise ValueError("Enter a website such as https://example.com.")
    return url


def email_address(raw: str | None) -> str:
    """``raw`` as a contact's email, stripped; ``""`` for nothing. Raises
    ``ValueError`` when it is not one address."""
    email = (raw or "").strip()
    if email and not EMAIL.match(email):
        raise ValueError("Enter an email such as jane@example.com.")
    return email


def field_check(check):
    """A wtforms validator from one of these checks: the field's data becomes
    what ``check`` returns, and its ``ValueError`` the field's error."""

    def validate(form, field):
        try:
            field.data = check(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    return validate
