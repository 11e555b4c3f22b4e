"""The configuration contract: the keys an addon (or the host) reads, declared once.

Each manifest carries a :class:`Config`: a prefix (``SMS``) and its keys with
default, type, one-line meaning and secret flag. At start-up the host reads
every declared key from, in order, the default, the config files, the
environment, then the values given to ``create_app``; converts and validates
each, and stops with :class:`ConfigError` naming the key when a value is bad.
The README's configuration tables list exactly the declared keys (a test
checks both ways).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the key."""


@dataclass(frozen=True, kw_only=True)
class ConfigKey:
    """One configuration key.

    ``type`` is ``str``, ``int``, ``bool``, ``float``, ``Decimal`` or a
    function turning the raw value (a string from the environment, or a
    Python value from a config file) into the value, raising ``ValueError``
    with a short reason. ``None`` as default means "unset" and an empty
    environment value keeps it unset. ``secret`` keys are never logged or
    shown. ``editable``: the addon's Settings page may override the value,
    kept as ``host.Setting`` ``<addon>.<name without prefix, lower case>``.
    ``announce``: the start-up log says which value is in use (a provider).
    ``example`` is a valid non-default value (for the docs' tests).

    A provider's URL that the Settings page may change names the secrets it
    is sent with (``sends``, their field names): changing the URL then needs
    them entered again, or an admin's session could send a saved secret to a
    server of its choosing by editing the URL alone. Such a URL must be
    ``https://``, or ``http://`` while the boolean key named by
    ``http_allowed_by`` is on (a test server).
    """

    name: str
    default: object
    meaning: str
    type: Callable = str
    secret: bool = False
    choices: tuple = ()
    minimum: float | None = None
    editable: bool = False
    announce: bool = False
    example: object = None
    sends: tuple = ()
    http_allowed_by: str | None = None

    def convert(self, raw: object) -> object:
        if raw is None or (isinstance(raw, str) and not raw.strip() and self.default is None):
            return None
        try:
            value = _CONVERTERS.get(self.type, self.type)(raw)
        except (ValueError, TypeError, InvalidOperation) as exc:
            raise ConfigError(
                f"{self.name}: {self._shown(raw)} {_reason(exc, self.type)}"
            ) from None
        if self.choices and value not in self.choices:
            raise ConfigError(
                f"{self.name}: {self._shown(raw)} is not one of "
                + ", ".join(repr(c) for c in self.choices)
            )
        if self.minimum is not None and value < self.minimum:
            raise ConfigError(f"{self.name}: {self._shown(raw)} is below {self.minimum}")
        return value

    def _shown(self, raw: object) -> str:
        return "the value" if self.secret else repr(raw)


@dataclass(frozen=True)
class Config:
    """An addon's configuration contract: ``Config("SMS", ConfigKey(...), ..., form=SmsSettings)``.

    Every key's name starts with ``prefix`` + ``_`` (or with one of
    ``also``'s prefixes, for keys named after a provider: ``STRIPE_``).
    ``form`` is the optional settings form (a wtforms ``Form``) that edits the
    ``editable`` and ``secret`` keys on the Settings page: one field per
    editable key, named after the key without the prefix in lower case
    (``SMS_TWILIO_FROM`` → ``twilio_from``), plus optional ``clear_<secret>``
    check boxes; :class:`host.AddonSettings` reads, validates and saves it.
    """

    prefix: str
    keys: tuple[ConfigKey, ...] = field(default=())
    also: tuple[str, ...] = ()
    form: type | None = None

    def __init__(
        self, prefix: str, *keys: ConfigKey, also: tuple[str, ...] = (), form: type | None = None
    ):
        object.__setattr__(self, "prefix", prefix)
        object.__setattr__(self, "keys", tuple(keys))
        object.__setattr__(self, "also", tuple(also))
        object.__setattr__(self, "form", form)
        for key in keys:
            if not key.name.startswith(self.prefixes):
                raise ConfigError(
                    f"{key.name}: the key does not start with {' or '.join(self.prefixes)}"
                )
        if form is not None:
            self._check_form(form)

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(f"{p}_" for p in (self.prefix, *self.also))

    def names(self) -> list[str]:
        return [k.name for k in self.keys]

    def field_name(self, key: ConfigKey) -> str:
        """The name ``key`` is edited and saved under: ``twilio_from``."""
        return key.name.removeprefix(f"{self.prefix}_").lower()

    def key_for(self, name: str) -> ConfigKey:
        for key in self.keys:
            if self.field_name(key) == name:
                return key
        raise ConfigError(f"{self.prefix}: no configuration key is edited as {name!r}")

    def editable_names(self) -> list[str]:
        return [self.field_name(k) for k in self.keys if k.editable and not k.secret]

    def _check_form(self, form: type) -> None:
        fields = [f.name for f in form()]
        for name in fields:
            if name.startswith("clear_") and name[6:] in fields:
                continue
            key = self.key_for(name)
            if not (key.editable or key.secret):
                raise ConfigError(
                    f"{key.name}: the settings form edits it, but the key is not editable"
                )
        for name in self.editable_names():
            if name not in fields:
                raise ConfigError(
                    f"{self.key_for(name).name}: editable, but the settings form has no "
                    f"field {name!r}"
                )


def resolve(
    config: Config,
    *,
    files: Mapping,
    environ: Mapping,
    given: Mapping,
) -> dict:
    """Each key's value: ``given`` over the environment over ``files`` over the default."""
    values = {}
    for key in config.keys:
        if key.name in given:
            raw = given[key.name]
        elif key.name in environ:
            raw = environ[key.name]
        elif key.name in files:
            raw = files[key.name]
        else:
            values[key.name] = key.default
            continue
        values[key.name] = key.convert(raw)
    return values


def _boolean(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("is not true or false")


def _integer(raw: object) -> int:
    if isinstance(raw, bool) or isinstance(raw, float) and not raw.is_integer():
        raise ValueError("is not a whole number")
    text = str(raw).strip().replace("_", "")
    if isinstance(raw, float):
        return int(raw)
    if not text.lstrip("-").isdigit():
        raise ValueError("is not a whole number")
    return int(text)


def _text(raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError("is not text")
    return raw.strip()


def _decimal(raw: object) -> Decimal:
    if isinstance(raw, float | bool):
        raise ValueError("is not an exact decimal number (write it as text)")
    value = Decimal(str(raw).strip().replace(",", "."))
    if not value.is_finite():
        raise ValueError("is not a number")
    return value


def _number(raw: object) -> float:
    if isinstance(raw, bool):
        raise ValueError("is not a number")
    return float(str(raw).strip())


_CONVERTERS: dict = {bool: _boolean, int: _integer, str: _text, Decimal: _decimal, float: _number}


def _reason(exc: Exception, kind) -> str:
    text = str(exc)
    if text.startswith("is "):
        return text
    names = {int: "a whole number", float: "a number", Decimal: "a decimal number"}
    return f"is not {names[kind]}" if kind in names else f"is refused: {text}"
