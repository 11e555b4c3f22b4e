"""An addon's settings as its Settings page leaves them: the contract's keys,
overridden by the values the admin saved through the contract's settings form.

A key the page may change is declared ``editable=True`` (or ``secret=True``) on
the :class:`~host.Config`; the contract's ``form`` (a wtforms ``Form``) has one
field per such key, named after the key without its prefix, in lower case
(``SMS_TWILIO_FROM`` → ``twilio_from``). A saved value lives in ``host.Setting``
``<addon>.<field>`` (secrets encrypted); a value never saved comes from
``app.config``.
"""

from __future__ import annotations

from decimal import Decimal

from flask import current_app

from host.configuration import Config, ConfigError, ConfigKey
from host.models import Setting
from host.secret_store import read_secret, write_secret

CLEAR = "clear_"  # a check box ``clear_<secret>`` forgets a saved secret


class AddonSettings:
    """``AddonSettings("sms", CONFIG)``: read, edit and save one addon's settings."""

    def __init__(self, addon: str, contract: Config):
        self.addon = addon
        self.contract = contract

    def key(self, name: str) -> ConfigKey:
        """The contract's key edited as ``name`` (``twilio_from``)."""
        return self.contract.key_for(name)

    def get(self, name: str):
        """The effective value of ``name``: the saved one, else ``app.config``'s."""
        key = self.key(name)
        if key.secret:
            stored = read_secret(f"{self.addon}.{name}")
            return stored if stored is not None else current_app.config[key.name]
        saved = Setting.saved(f"{self.addon}.{name}")
        if saved is not None:
            try:
                return key.convert(saved)
            except ConfigError:
                pass  # saved by an older version under other rules: the config holds
        return current_app.config[key.name]

    def put(self, name: str, value) -> None:
        key = self.key(name)
        if key.secret:
            write_secret(f"{self.addon}.{name}", str(value))  # the key stays outside the database
            return
        Setting.write(f"{self.addon}.{name}", _stored(key.convert(value)))

    def values(self) -> dict:
        """Every non-secret editable value, by field name (for a page)."""
        return {name: self.get(name) for name in self.contract.editable_names()}

    def form(self, formdata=None):
        """The contract's settings form: the posted ``formdata``, or the current values."""
        if self.contract.form is None:
            raise ConfigError(f"{self.contract.prefix}: the contract declares no settings form")
        if formdata is not None:
            return self.contract.form(formdata)
        return self.contract.form(data=self.values())

    def validate(self, form) -> bool:
        """The form's own validators, then each value against its key's type,
        choices and minimum; errors land on the fields."""
        valid = form.validate()
        for field in form:
            if field.name.startswith(CLEAR) or field.errors:
                continue
            key = self.key(field.name)
            if key.secret:
                continue
            try:
                key.convert(field.data)
            except ConfigError as exc:
                field.errors = [*field.errors, str(exc).split(": ", 1)[-1]]
                valid = False
                continue
            if key.sends and field.raw_data:
                field.data = (field.data or "").strip() or key.default  # empty: the default
                problem = self._url_problem(form, field, key)
                if problem:
                    field.errors = [*field.errors, problem]
                    valid = False
        return valid

    def _url_problem(self, form, field, key: ConfigKey) -> str | None:
        """Why a provider's URL posted on the Settings page cannot be taken."""
        url = field.data
        http_allowed = bool(key.http_allowed_by and current_app.config.get(key.http_allowed_by))
        if not (url.startswith("https://") or (http_allowed and url.startswith("http://"))):
            return "must start with https://" + (" (or http://)" if http_allowed else "")
        if url == self.get(field.name):
            return None
        for name in key.sends:
            secret = getattr(form, name, None)
            if self.get(name) and not (secret is not None and secret.data):
                label = secret.label.text if secret is not None else name
                return f"enter the {label} again to change this URL"
        return None

    def save(self, form) -> None:
        """Write every field of a validated form. An empty secret keeps the
        saved one unless its ``clear_<name>`` box is ticked; a text field the
        post left out keeps its value (an unticked check box is left out too,
        and means off)."""
        for field in form:
            if field.name.startswith(CLEAR):
                continue
            if self.key(field.name).secret:
                clear = getattr(form, CLEAR + field.name, None)
                if field.data:
                    self.put(field.name, field.data)
                elif clear is not None and clear.data:
                    self.put(field.name, "")
            elif field.raw_data or field.type == "BooleanField":
                self.put(field.name, field.data)


def _stored(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return "" if value is None else str(value)
