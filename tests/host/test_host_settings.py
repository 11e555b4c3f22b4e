"""The Settings page: addon blocks grouped by section, and the company block."""

from html.parser import HTMLParser

import pytest
from flask import render_template_string

from host import Setting, SettingsBlock
from tests.host.addon_kit import flashes, kit_config, make_addon


class _SettingsLayout(HTMLParser):
    """Section name -> block ids, in page order."""

    def __init__(self):
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self._section = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-section" in attrs:
            self._section = attrs["data-section"]
            self.sections[self._section] = []
        elif "data-block" in attrs:
            self.sections[self._section].append(attrs["data-block"])


def _layout(client) -> dict[str, list[str]]:
    parser = _SettingsLayout()
    parser.feed(client.get("/settings").get_data(as_text=True))
    return parser.sections


def _block(block_id, section, sequence=10):
    return SettingsBlock(
        id=block_id,
        section=section,
        title=block_id.title(),
        sequence=sequence,
        render=lambda: render_template_string("<p>{{ text }}</p>", text=f"{block_id} body"),
    )


@pytest.fixture
def host_config():
    sms = make_addon(
        "texting",
        settings_blocks=lambda: [
            _block("sms-sender", "SMS", sequence=20),
            _block("sms-provider", "SMS", sequence=5),
        ],
    )
    mail = make_addon(
        "post",
        settings_blocks=lambda: [
            _block("post-company-stamp", "Companies", sequence=50),
            _block("post-printer", "Postal mail"),
        ],
    )
    return kit_config(sms, mail)


def test_blocks_are_grouped_in_their_section(admin_client, enable):
    assert _layout(admin_client) == {"Companies": ["company"]}
    enable("texting", "post")
    layout = _layout(admin_client)
    assert layout["SMS"] == ["sms-provider", "sms-sender"]
    assert layout["Companies"] == ["company", "post-company-stamp"]
    assert layout["Postal mail"] == ["post-printer"]
    html = admin_client.get("/settings").get_data(as_text=True)
    assert "<p>sms-sender body</p>" in html
    assert 'data-search="sms sms-sender' in html


def test_company_block_saves_name_and_country(admin_client):
    response = admin_client.post(
        "/settings/company", data={"company_name": "  Fietsen BV ", "country": "NL"}
    )
    assert response.status_code == 302
    assert (Setting.read("company_name"), Setting.read("company_country")) == ("Fietsen BV", "NL")
    page = admin_client.get("/settings").get_data(as_text=True)
    assert flashes(page) == ["Company settings saved."]
    assert 'value="Fietsen BV"' in page and 'value="NL"' in page


@pytest.mark.parametrize(
    "form, message",
    [
        ({"company_name": "Acme", "country": "XX"}, "'XX' is not an ISO 3166 country code."),
        ({"company_name": "Acme", "country": "be"}, "'be' is not an ISO 3166 country code."),
        ({"company_name": "Acme"}, "Choose the company's country."),
        ({"company_name": "", "country": "FR"}, "This field is required."),
        (
            {"company_name": "A" * 129, "country": "FR"},
            "Field cannot be longer than 128 characters.",
        ),
    ],
)
def test_invalid_company_settings_flash_and_save_nothing(form, message, admin_client):
    Setting.write("company_name", "Before")
    Setting.write("company_country", "BE")
    response = admin_client.post("/settings/company", data=form)
    assert response.status_code == 302
    shown = flashes(admin_client.get("/settings").get_data(as_text=True))
    assert any(message in flash for flash in shown), shown
    assert (Setting.read("company_name"), Setting.read("company_country")) == ("Before", "BE")
