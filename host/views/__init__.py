"""The host's pages, one module per area; importing this package registers them all."""

from __future__ import annotations

from host.views import (  # noqa: F401  (each registers its routes on the blueprint)
    apps,
    attachments,
    chatter,
    contacts,
    documents,
    home,
    login,
    mail_templates,
    outbox,
    settings,
    users,
)
from host.views.blueprint import blueprint
from host.views.contacts import selected_contacts

__all__ = ["blueprint", "selected_contacts"]
