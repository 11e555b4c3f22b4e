"""The configuration contract's settings form: the keys it edits, and AddonSettings
reading, validating and saving them over the configured values."""

import types

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Form, IntegerField, PasswordField, StringField

from host import AddonSettings, Config, ConfigError, ConfigKey, Manifest, read_secret
from tests.host.addon_kit import kit_config


class KitSettingsForm(Form):
    sender = StringField()
    retries = IntegerField()
    loud = BooleanField()
    token = PasswordField()
    clear_token = BooleanField()


def _keys(**overrides):
    keys = {
        "sender": ConfigKey(name="KIT_SENDER", default="acme", editable=True, meaning="m"),
        "retries": ConfigKey(
            name="KIT_RETRIES", default=3, type=int, minimum=1, editable=True, meaning="m"
        ),
        "loud": ConfigKey(name="KIT_LOUD", default=True, type=bool, editable=True, meaning="m"),
        "token": ConfigKey(name="KIT_TOKEN", default="", secret=True, meaning="m"),
        "limit": ConfigKey(name="KIT_LIMIT", default=5, type=int, meaning="m"),
    }
    keys.update(overrides)
    return [k for k in keys.values() if k is not None]


CONTRACT = Config("KIT", *_keys(), form=KitSettingsForm)
SETTINGS = AddonSettings("kit", CONTRACT)
KIT = types.SimpleNamespace(manifest=Manifest(name="kit", title="Kit", config=CONTRACT))


@pytest.fixture
def host_config():
    return kit_config(KIT, KIT_RETRIES="4")


def test_a_form_field_must_edit_an_editable_key():
    class Stray(KitSettingsForm):
        limit = IntegerField()

    with pytest.raises(ConfigError, match="KIT_LIMIT: the settings form edits it, but the key"):
        Config("KIT", *_keys(), form=Stray)

    class Unknown(KitSettingsForm):
        colour = StringField()

    with pytest.raises(ConfigError, match="no configuration key is edited as 'colour'"):
        Config("KIT", *_keys(), form=Unknown)


def test_an_editable_key_needs_its_field():
    class Short(Form):
        sender = StringField()
        retries = IntegerField()

    with pytest.raises(ConfigError, match="KIT_LOUD: editable, but the settings form has no field"):
        Config("KIT", *_keys(), form=Short)


def test_values_come_from_the_config_until_saved(app):
    with app.app_context():
        assert SETTINGS.values() == {"sender": "acme", "retries": 4, "loud": True}
        form = SETTINGS.form()
        assert form.sender.data == "acme" and form.retries.data == 4 and form.token.data is None


def test_a_saved_form_overrides_the_config(app):
    with app.app_context():
        form = SETTINGS.form(MultiDict({"sender": "Mail room", "retries": "7", "token": "t0k"}))
        assert SETTINGS.validate(form)
        SETTINGS.save(form)
        assert SETTINGS.values() == {"sender": "Mail room", "retries": 7, "loud": False}
        assert SETTINGS.get("token") == "t0k"
        assert read_secret("kit.token") == "t0k"
        assert app.config["KIT_SENDER"] == "acme"  # the configuration itself is not changed


def test_an_empty_secret_keeps_the_saved_one_unless_cleared(app):
    with app.app_context():
        SETTINGS.put("token", "t0k")
        kept = SETTINGS.form(MultiDict({"sender": "x", "retries": "2", "token": ""}))
        assert SETTINGS.validate(kept)
        SETTINGS.save(kept)
        assert SETTINGS.get("token") == "t0k"
        cleared = SETTINGS.form(MultiDict({"retries": "2", "clear_token": "y"}))
        assert SETTINGS.validate(cleared)
        SETTINGS.save(cleared)
        assert SETTINGS.get("token") == ""
        assert SETTINGS.get("sender") == "x"  # a text field left out of the post is kept


def test_a_value_the_key_refuses_is_an_error_on_its_field(app):
    with app.app_context():
        form = SETTINGS.form(MultiDict({"sender": "x", "retries": "0"}))
        assert not SETTINGS.validate(form)
        assert form.retries.errors == ["0 is below 1"]
        assert SETTINGS.get("retries") == 4  # nothing saved


def test_a_contract_without_a_form_says_so(app):
    bare = AddonSettings("kit", Config("KIT", *_keys()))
    with app.app_context(), pytest.raises(ConfigError, match="declares no settings form"):
        bare.form()


def _setting_reads(records) -> int:
    return sum("host_setting" in str(r.msg) and "SELECT" in str(r.msg) for r in records)


def test_a_request_reads_a_setting_once_and_sees_its_own_writes(app, caplog):
    with app.test_request_context("/"):
        with caplog.at_level("DEBUG", logger="peewee"):
            assert SETTINGS.get("loud") is True
            assert SETTINGS.get("loud") is True
        assert _setting_reads(caplog.records) == 1
        SETTINGS.put("loud", False)
        assert SETTINGS.get("loud") is False
    with app.test_request_context("/"):
        caplog.clear()
        with caplog.at_level("DEBUG", logger="peewee"):
            assert SETTINGS.get("loud") is False
        assert _setting_reads(caplog.records) == 1  # a new request reads again


def test_saved_settings_come_with_the_enabled_addons(app, caplog):
    with app.app_context():
        SETTINGS.put("sender", "Mail room")
    with app.test_request_context("/"):
        with caplog.at_level("DEBUG", logger="peewee"):
            app.extensions["host"].enabled_names()  # what every page asks first
            assert SETTINGS.get("sender") == "Mail room"
            assert SETTINGS.get("loud") is True  # never saved: the configuration's
        assert _setting_reads(caplog.records) == 0  # no statement of their own
        SETTINGS.put("sender", "Post room")
        assert SETTINGS.get("sender") == "Post room"  # its own write, at once
