"""Field widgets: the form carries them as data attributes (no inline script),
the suggestion endpoint answers the documented JSON, and a broken or
duplicate widget never takes the form down."""

import re

import pytest

from examples.hooks import field_widget
from host import FieldWidget, Suggestion
from tests.host.addon_kit import kit_config, make_addon


def _input(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html)[0]


@pytest.fixture
def host_config():
    return kit_config(field_widget)


def test_new_and_saved_contact_forms_carry_the_widget(app, enable, user_client, contact):
    enable("directory")
    for url in ("/contacts/new", f"/contacts/{contact.id}"):
        html = user_client.get(url).get_data(as_text=True)
        name = _input(html, "name")
        assert 'data-widget="autocomplete"' in name
        assert 'data-suggest-url="/directory/suggest"' in name
        assert 'data-suggest-min="2"' in name and 'role="combobox"' in name
        assert 'aria-autocomplete="list"' in name
        assert 'data-widget="autocomplete"' in _input(html, "vat")
        assert "data-widget" not in _input(html, "website")
        assert '<script src="/static/host/widgets.js"></script>' in html
        # CSP without 'unsafe-inline': every script is a file.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_disabled_addon_attaches_nothing(app, user_client):
    html = user_client.get("/contacts/new").get_data(as_text=True)
    assert "data-widget" not in html


def test_suggestion_endpoint_answers_the_convention(app, enable, user_client):
    enable("directory")
    answer = user_client.get("/directory/suggest?q=odo&field=name")
    assert answer.is_json
    assert answer.get_json() == {
        "suggestions": [
            {
                "label": "Odoo SA",
                "detail": "BE0477472701 · Ramillies",
                "values": {
                    "name": "Odoo SA",
                    "vat": "BE0477472701",
                    "website": "https://www.odoo.com",
                    "city": "Ramillies",
                },
            }
        ]
    }
    assert user_client.get("/directory/suggest?q=zzz").get_json() == {"suggestions": []}


def test_suggestion_endpoint_needs_a_login(app, enable, client):
    enable("directory")
    answer = client.get("/directory/suggest?q=odo", headers={"X-Requested-With": "fetch"})
    assert answer.status_code == 401 and answer.get_json() == {"error": "Log in first."}


def test_a_chosen_suggestion_may_be_completed_by_a_post():
    suggestion = Suggestion(label="Odoo SA", values={"name": "Odoo SA"}, choose_url="/x/enrich/1")
    assert suggestion.as_json()["choose"] == "/x/enrich/1"
    assert "choose" not in Suggestion(label="A").as_json()


def _widget(name, sequence, url):
    return lambda model, record: [
        FieldWidget(id=f"{name}-name", field="name", url=url, sequence=sequence)
    ]


@pytest.mark.parametrize(
    "host_config",
    [
        kit_config(
            make_addon("first", record_field_widgets=_widget("first", 1, "/first/s")),
            make_addon("second", record_field_widgets=_widget("second", 5, "/second/s")),
        )
    ],
)
def test_one_widget_per_field_the_first_by_sequence(app, enable, user_client, caplog):
    enable("first", "second")
    html = user_client.get("/contacts/new").get_data(as_text=True)
    assert 'data-suggest-url="/first/s"' in _input(html, "name")
    assert "/second/s" not in html
    assert "field widget 'second-name' dropped" in caplog.text


def _broken(model, record):
    raise RuntimeError("directory down")


@pytest.mark.parametrize(
    "host_config", [kit_config(make_addon("broken", record_field_widgets=_broken))]
)
def test_a_failing_widget_hook_leaves_the_form_working(app, enable, user_client, contact):
    enable("broken")
    page = user_client.get(f"/contacts/{contact.id}")
    assert page.status_code == 200 and "Marie Dubois" in page.get_data(as_text=True)
    addon = app.extensions["host"].addons["broken"]
    assert any("record_field_widgets" in e for e in addon.runtime_errors)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"id": "w", "field": "name"}, "either url or endpoint"),
        ({"id": "w", "field": "name", "url": "/s", "kind": "map"}, "unknown kind"),
        ({"id": "w", "field": "name", "url": "/s", "min_chars": 0}, "at least 1"),
        ({"id": "", "field": "name", "url": "/s"}, "needs an id"),
        ({"id": "w", "field": "name", "url": "/s", "context": ("q",)}, "the query's own names"),
    ],
)
def test_bad_widgets_are_refused_when_declared(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FieldWidget(**kwargs)


def test_a_widget_may_wait_for_a_check_box_and_send_other_fields():
    widget = FieldWidget(
        id="w", field="name", url="/s", when="is_company", context=["country", "city"]
    )
    attributes = widget.attributes()
    assert attributes["data_suggest_when"] == "is_company"
    assert attributes["data_suggest_with"] == "country,city"
    plain = FieldWidget(id="w", field="name", url="/s").attributes()
    assert "data_suggest_when" not in plain and "data_suggest_with" not in plain


def test_a_suggestion_leads_with_a_logo_or_initials():
    assert Suggestion(label="Odoo SA", image="/logo.png").as_json()["image"] == "/logo.png"
    assert Suggestion(label="Odoo SA", initials="OSA").as_json()["initials"] == "OS"
    assert {"image", "initials"}.isdisjoint(Suggestion(label="Odoo SA").as_json())
