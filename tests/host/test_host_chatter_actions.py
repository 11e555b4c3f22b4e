"""chatter_message_actions: an addon's buttons under the chatter messages it posted."""

import re

import pytest

from host import MessageAction, post_message
from tests.host.addon_kit import kit_config, make_addon

CALLS = []


def _actions(model, res_id, messages):
    CALLS.append((model, res_id, [m.id for m in messages]))
    return [
        MessageAction(
            id=f"card-resend-{m.id}",
            message_id=m.id,
            label="Send again",
            url=f"/cards/{m.id}/resend",
            confirm="Send this card again?",
        )
        for m in messages
        if m.kind == "card" and m.state == "failed"
    ] + [
        MessageAction(
            id=f"card-help-{m.id}",
            message_id=m.id,
            label="Why?",
            url="/cards/help",
            target="page",
        )
        for m in messages
        if m.kind == "card"
    ]


CARDS = make_addon("cards", chatter_message_actions=_actions)


@pytest.fixture
def host_config():
    return kit_config(CARDS)


def test_an_addon_puts_buttons_under_its_own_messages(app, enable, user_client, contact):
    enable("cards")
    CALLS.clear()
    note = post_message(model="contact", res_id=contact.id, body="A note", kind="note")
    card = post_message(
        model="contact", res_id=contact.id, body="Birthday card", kind="card", state="failed"
    )
    page = user_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert len(CALLS) == 1  # one call for the whole chatter
    assert CALLS[0][:2] == ("contact", contact.id) and set(CALLS[0][2]) == {note.id, card.id}
    item = re.search(rf'data-message-id="{card.id}".*?</li>', page, re.S).group(0)
    assert re.search(
        r'<form class="inline" method="post" action="/cards/\d+/resend" '
        r'data-confirm="Send this card again\?"><input[^>]+csrf',
        item,
    )
    assert 'href="/cards/help"' in item and 'data-action="card-help-' in item
    other = re.search(rf'data-message-id="{note.id}".*?</li>', page, re.S).group(0)
    assert "message-actions" not in other
    # The chatter's own refresh shows them too.
    thread = user_client.get(f"/chatter/contact/{contact.id}").get_data(as_text=True)
    assert f'data-action="card-resend-{card.id}"' in thread


def test_a_disabled_addon_adds_no_buttons(app, user_client, contact):
    card = post_message(
        model="contact", res_id=contact.id, body="Birthday card", kind="card", state="failed"
    )
    page = user_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert f"card-resend-{card.id}" not in page
