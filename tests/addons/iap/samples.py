"""The In-App Purchases app's records for the inherited security tests
(tests/test_forms_fuzz.py): an order waiting for its payment, whose page
holds the demo card form."""

from __future__ import annotations


def make(client, user) -> list[str]:
    from flask import current_app

    from addons.iap import payments
    from addons.iap.services import all_services

    service = all_services()[0]
    provider = payments.active_provider()
    order = payments.create_order(
        service, service.packs[0].key, user_id=user.id, provider=provider.key
    )
    with current_app.test_request_context():
        paying = provider.start(order)
    return [f"/iap/buy/{service.key}", f"/iap/accounts/{service.key}", paying]
