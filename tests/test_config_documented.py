"""The configuration contract: the README lists exactly the declared keys, each
is honoured from the environment, a bad value stops start-up naming the key."""

from __future__ import annotations

import importlib
import io
import logging
import re
from decimal import Decimal
from pathlib import Path

import pytest

from host import ConfigError, create_app
from host.config import BUILTIN_ADDONS
from host.config import contract as host_contract
from host.testing import HostClient, log_in, make_user

ROOT = Path(__file__).resolve().parent.parent


def _declared() -> dict:
    contracts = [host_contract("instance")]
    contracts += [importlib.import_module(spec).manifest.config for spec in BUILTIN_ADDONS]
    return {key.name: key for contract in contracts if contract for key in contract.keys}


def _documented() -> set[str]:
    """Keys in the first cell of the README's tables; ``_EXPENSE`` after
    ``DIGITIZATION_MODE_BILL`` is ``DIGITIZATION_MODE_EXPENSE``."""
    names = set()
    for line in (ROOT / "README.md").read_text().splitlines():
        if not line.startswith("| `"):
            continue
        full = None
        for token in re.findall(r"`([A-Z_][A-Z0-9_]*)`", line.split("|")[1]):
            if token.startswith("_"):
                token = full.rsplit("_", 1)[0] + token
            else:
                full = token
            names.add(token)
    return names


def _sample(key) -> str:
    """A valid value other than the default, as the environment would give it."""
    if key.example is not None:
        return str(key.example)
    if key.choices:
        return next(str(c) for c in key.choices if c != key.default)
    if key.type is bool:
        return "false" if key.default else "true"
    if key.type is int:
        return str(max(key.default or 0, int(key.minimum or 0)) + 7)
    if key.type is float:
        return str((key.default or 0) + 1.5)
    if key.type is str:
        return f"x-{key.name.lower()}"
    return "2.5"


def test_every_declared_key_is_documented_and_every_documented_key_declared():
    declared, documented = set(_declared()), _documented()
    assert not declared - documented, f"declared but not in the README: {declared - documented}"
    assert not documented - declared, f"in the README but not declared: {documented - declared}"


@pytest.fixture
def fresh(tmp_path):
    """Build an app from the environment alone (plus an instance folder)."""
    apps = []

    def build(**given):
        app = create_app({"HOST_INSTANCE_PATH": str(tmp_path / "instance"), **given})
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["host_db"].close()


def test_every_documented_key_is_honoured_from_the_environment(monkeypatch, tmp_path, fresh):
    keys = _declared()
    samples = {name: _sample(key) for name, key in keys.items()}
    samples["DATABASE_URL"] = f"sqlite:///{tmp_path / 'from-env.db'}"
    for name, value in samples.items():
        monkeypatch.setenv(name, value)
    app = fresh()
    for name, key in keys.items():
        expected = key.convert(samples[name])
        assert expected != key.default, f"{name}: the sample is the default"
        assert app.config[name] == expected, f"{name} set in the environment is ignored"
    assert isinstance(app.config["DIGITIZATION_CREDITS_BILL"], Decimal)


def test_values_from_the_caller_win_over_the_environment(monkeypatch, fresh):
    monkeypatch.setenv("IAP_HOLD_TTL", "60")
    monkeypatch.setenv("SMS_BATCH_CHUNK", "20")
    app = fresh(IAP_HOLD_TTL=30)
    assert app.config["IAP_HOLD_TTL"] == 30 and app.config["SMS_BATCH_CHUNK"] == 20


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("IAP_HOLD_TTL", "soon", "IAP_HOLD_TTL: 'soon' is not a whole number"),
        ("IAP_HOLD_TTL", "0", "IAP_HOLD_TTL: '0' is below 1"),
        ("IAP_EDITION", "gold", "IAP_EDITION: 'gold' is not one of 'enterprise'"),
        ("SMS_SMART_ENCODING", "maybe", "SMS_SMART_ENCODING: 'maybe' is not true or false"),
        ("DIGITIZATION_MODE_BILL", "sometimes", "DIGITIZATION_MODE_BILL: 'sometimes' is not"),
        ("DIGITIZATION_CREDITS_BILL", "-1", "DIGITIZATION_CREDITS_BILL: '-1' is refused"),
        ("IAP_SUBSCRIPTION_EXPIRES", "31/12/2030", "is not a YYYY-MM-DD date"),
        ("HOST_PROXIES", "two", "HOST_PROXIES: 'two' is not a whole number"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_key(monkeypatch, fresh, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=re.escape(message)):
        fresh()


def test_a_config_file_is_read_and_the_environment_overrides_it(monkeypatch, tmp_path, fresh):
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "config.py").write_text(
        "DIGITIZATION_MAX_PAGES = 9\nSMS_BATCH_CHUNK = 40\n"
    )
    monkeypatch.setenv("SMS_BATCH_CHUNK", "41")
    app = fresh()
    assert app.config["DIGITIZATION_MAX_PAGES"] == 9 and app.config["SMS_BATCH_CHUNK"] == 41


def test_start_up_log_names_the_active_parts_without_secrets(monkeypatch, tmp_path, fresh, caplog):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'log.db'}")
    monkeypatch.setenv("IAP_PAYMENT_PROVIDER", "stripe")
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_very_secret")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.com")
    monkeypatch.setenv("MAIL_PASSWORD", "hunter2-mail")
    first = fresh()
    with first.app_context():
        first.extensions["host"].enable("sms")
    with caplog.at_level(logging.INFO, logger="host.app"):
        fresh()
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("active:"))
    assert f"database sqlite:///{tmp_path / 'log.db'}" in line
    assert "job queue huey on SQLite" in line
    assert "mail SMTP smtp.example.com:25" in line
    assert "IAP_PAYMENT_PROVIDER stripe" in line and "SMS_GATEWAY outbox" in line
    assert "hunter2" not in caplog.text and "sk_test" not in caplog.text


# -- issue 11, item 2: documented settings honoured ----------------------------


def test_stripe_from_the_environment_turns_the_demo_card_form_off(monkeypatch, fresh):
    monkeypatch.setenv("IAP_PAYMENT_PROVIDER", "stripe")
    app = fresh(TESTING=True, HOST_JOBS_IMMEDIATE=True)
    app.test_client_class = HostClient
    with app.app_context():
        app.extensions["host"].enable("sms")
        client = log_in(app.test_client(), make_user("admin@example.com", admin=True))
        response = client.post("/iap/buy/sms/standard")
        page = client.get("/iap/buy/sms").get_data(as_text=True)
    assert "/iap/pay/demo/" not in response.headers.get("Location", "")
    assert "Stripe is not configured" in page or "Stripe is not configured" in (
        response.get_data(as_text=True)
    )


def test_upload_limit_from_the_environment_applies(monkeypatch, fresh):
    monkeypatch.setenv("DIGITIZATION_MAX_FILE_SIZE", "1000")
    app = fresh(TESTING=True, HOST_JOBS_IMMEDIATE=True)
    app.test_client_class = HostClient
    with app.app_context():
        app.extensions["host"].enable("digitization")
        client = log_in(app.test_client(), make_user("user@example.com"))
        response = client.post(
            "/digitization/bills/upload",
            data={"files": [(io.BytesIO(b"%PDF-" + b"x" * 2000), "big.pdf")]},
            content_type="multipart/form-data",
        )
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "big.pdf is larger than" in page and "it was not uploaded" in page
