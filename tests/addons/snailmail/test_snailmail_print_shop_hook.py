"""A third-party addon adds a print shop through the ``snailmail_print_shops`` hook."""

from __future__ import annotations

from decimal import Decimal

import pytest

from addons.snailmail import config, sending, tracking
from addons.snailmail.models import Letter
from addons.snailmail.providers.base import Handed, PrintShop, ShopError
from host import Manifest, hookimpl


class OfficePrinter(PrintShop):
    key = "office"
    name = "Office printer"
    description = "Prints on the office's own printer."

    def __init__(self, log, mode):
        self.log = log
        self.mode = mode

    def submit(self, letter):
        if self.mode["answer"] == "timeout":
            raise ShopError("The printer did not answer.", maybe_taken=True)
        if self.mode["answer"] == "refuse":
            raise ShopError("The printer refuses this file.", code="FORMAT_ERROR")
        self.log.append(("submit", letter.uid, len(letter.pdf)))
        return Handed(provider_id=f"office-{letter.uid}", state="accepted")

    def cancel(self, provider_id):
        self.log.append(("cancel", provider_id))


class OfficeAddon:
    manifest = Manifest(name="office_printer", title="Office printer", depends=("snailmail",))

    def __init__(self):
        self.log = []
        self.mode = {"answer": "ok"}

    @hookimpl
    def snailmail_print_shops(self):
        return [OfficePrinter(self.log, self.mode)]


@pytest.fixture
def office():
    return OfficeAddon()


@pytest.fixture
def host_config(host_config, office):
    host_config["HOST_EXTRA_ADDONS"] = [office]
    return host_config


@pytest.fixture
def office_shop(snailmail, enable, office):
    enable("office_printer")
    config.put("provider", "office")
    return office


def test_the_chosen_shop_posts_the_letter(office_shop, queue_letter, give_credits, admin_client):
    assert "Office printer" in admin_client.get("/settings").get_data(as_text=True)
    give_credits(5)
    letter = queue_letter()
    sent = sending.send(letter.id)
    assert (sent.state, sent.provider, sent.provider_id) == (
        "sent",
        "office",
        f"office-{letter.uid}",
    )
    assert office_shop.log == [("submit", letter.uid, len(sent.printable))]
    tracking.cancel(letter.id)
    assert office_shop.log[-1] == ("cancel", sent.provider_id)


def test_a_timeout_keeps_the_uid_so_the_retry_cannot_post_twice(
    office_shop, queue_letter, give_credits, snailmail_balance
):
    give_credits(5)
    letter = queue_letter()
    office_shop.mode["answer"] = "timeout"
    failed = sending.send(letter.id)
    assert (failed.state, failed.error_code) == ("error", "UNKNOWN_ERROR")
    assert failed.uid == letter.uid
    assert snailmail_balance() == 5
    office_shop.mode["answer"] = "ok"
    sending.requeue([letter.id])
    assert sending.send(letter.id).state == "sent"
    assert office_shop.log == [("submit", letter.uid, office_shop.log[0][2])]
    assert snailmail_balance() == Decimal(5) - Decimal("1.10")


def test_a_refusal_releases_the_credits_and_a_retry_is_a_new_letter_at_the_shop(
    office_shop, queue_letter, give_credits, snailmail_balance
):
    give_credits(5)
    letter = queue_letter()
    office_shop.mode["answer"] = "refuse"
    failed = sending.send(letter.id)
    assert (failed.error_code, failed.error_message) == (
        "FORMAT_ERROR",
        "The printer refuses this file.",
    )
    assert failed.uid != letter.uid
    assert snailmail_balance() == 5
    assert Letter.get_by_id(letter.id).charged == 0
