"""The per-app addon registry: discovery, load order, enabling, hook calls.

One ``pluggy.PluginManager`` per app, kept in ``app.extensions["host"]``.
Built-in addons are named explicitly in the config; third-party addons come
from the ``iap_host.addons`` entry-point group. An addon that fails to import,
misses a dependency or implements an unknown hook is recorded with its error
and skipped; the rest of the app keeps working.
"""

from __future__ import annotations

import importlib
import logging
import traceback
from dataclasses import dataclass
from importlib.metadata import entry_points

import pluggy
from flask import current_app, has_request_context
from peewee import Value

from host import hookspecs, state_version
from host import migrations as schema
from host.db import Prepared, db, utcnow
from host.hookcalls import F, Hooks, HostHooks
from host.manifest import AddonError, Manifest, load_order
from host.models import AddonState, Setting
from host.request_cache import context_cache as _context_cache
from host.request_cache import request_cache

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "iap_host.addons"
CORE = "base"
# The rows of the state statement (:meth:`AddonRegistry._state_statement`).
_ADDON, _SETTING = 0, 1


@dataclass
class Addon:
    """An addon the host knows about, loaded or not."""

    name: str
    manifest: Manifest | None
    plugin: object | None
    source: str  # "core", "builtin", "entry point", "extra"
    error: str | None = None
    # Errors raised by the addon's UI hooks since start-up (shown to admins).
    runtime_errors: list[str] | None = None

    @property
    def loaded(self) -> bool:
        return self.error is None and self.plugin is not None

    @property
    def core(self) -> bool:
        return self.source == "core"


class AddonRegistry:
    def __init__(self, trace: bool = False):
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.addons: dict[str, Addon] = {}
        self.order: list[str] = []
        self.blueprint_owner: dict[str, str] = {}
        self._facades: dict[type, Hooks] = {}
        # Hook name -> the addon whose manifest publishes it.
        self._spec_owner: dict[str, str] = {}
        # IAP_HOST_TRACE_HOOKS=1: log every hook call and who answered it.
        self.trace = trace
        self._state: tuple[Prepared, list[str]] | None = None
        # (state_version counter, enabled names, saved settings) last read.
        self._kept_state: tuple[int, frozenset[str], dict] | None = None
        self._impl_memo: dict[tuple, list] = {}
        # How many times an addon's hook raised or answered wrongly at run
        # time: a caller that keeps a hook's answer keeps none that missed one.
        self.runtime_failures = 0

    # -- discovery -------------------------------------------------------

    def load(self, core: object, builtin: list, extra: list, use_entry_points: bool) -> None:
        candidates: list[Addon] = [self._import(core, "core")]
        candidates += [self._import(spec, "builtin") for spec in builtin]
        candidates += [self._import(spec, "extra") for spec in extra]
        if use_entry_points:
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                candidates.append(self._import_entry_point(ep))

        manifests: dict[str, Manifest] = {}
        for addon in candidates:
            if addon.name in self.addons:
                first = self.addons[addon.name]
                addon.error = addon.error or (
                    f"duplicate addon name {addon.name!r}: already provided by "
                    f"{_origin(first.plugin)}"
                )
                self.addons[f"{addon.name}@{_origin(addon.plugin)}"] = addon
                continue
            self.addons[addon.name] = addon
            if addon.error is None:
                manifests[addon.name] = addon.manifest

        self._spec_owner = {
            hook: name
            for name, manifest in manifests.items()
            if manifest.hookspecs is not None
            for hook in dir(manifest.hookspecs)
            if self.pm.parse_hookspec_opts(manifest.hookspecs, hook) is not None
        }
        order = load_order(manifests)
        for name, message in order.errors.items():
            self.addons[name].error = message
        for name in order.order:
            self._register(self.addons[name])
        self.pm.check_pending()
        for name, addon in self.addons.items():
            if addon.error:
                log.error("addon %s not loaded: %s", name, addon.error)

    def _import(self, spec: object, source: str) -> Addon:
        label = spec if isinstance(spec, str) else getattr(spec, "__name__", repr(spec))
        try:
            module = importlib.import_module(spec) if isinstance(spec, str) else spec
        except Exception as exc:  # an addon must not stop the host
            return Addon(_guess_name(label), None, None, source, _describe(exc))
        return self._from_plugin(module, label, source)

    def _import_entry_point(self, ep) -> Addon:
        try:
            plugin = ep.load()
        except Exception as exc:
            return Addon(ep.name, None, None, "entry point", _describe(exc))
        return self._from_plugin(plugin, ep.name, "entry point")

    def _from_plugin(self, plugin: object, label: str, source: str) -> Addon:
        manifest = getattr(plugin, "manifest", None)
        if not isinstance(manifest, Manifest):
            return Addon(
                _guess_name(label),
                None,
                plugin,
                source,
                f"{label} has no `manifest = Manifest(...)`",
            )
        deps = manifest.depends if source == "core" else (CORE, *manifest.depends)
        if source != "core":
            manifest = _with_depends(manifest, deps)
        return Addon(manifest.name, manifest, plugin, source)

    def _register(self, addon: Addon) -> None:
        failed_dep = next((d for d in addon.manifest.depends if not self.addons[d].loaded), None)
        if failed_dep:
            addon.error = f"addon {addon.name!r} depends on {failed_dep!r}, which failed to load"
            return
        try:
            if addon.manifest.hookspecs is not None:
                self.pm.add_hookspecs(addon.manifest.hookspecs)
            self.pm.register(addon.plugin, name=addon.name)
            self._impl_memo.clear()
        except Exception as exc:
            addon.error = _describe(exc)
            return
        problem = self._refusal(addon)
        if problem:
            self.pm.unregister(addon.plugin)
            self._impl_memo.clear()
            addon.error = problem
            return
        self.order.append(addon.name)

    def _refusal(self, addon: Addon) -> str | None:
        """Why a registered addon's implementations are refused, if they are."""
        callers = self.pm.get_hookcallers(addon.plugin) or []
        needs = self._depends_closure(addon.name)
        foreign = sorted(
            f"{c.name} (published by {self._spec_owner[c.name]!r})"
            for c in callers
            if self._spec_owner.get(c.name) not in (None, addon.name)
            and self._spec_owner[c.name] not in needs
        )
        if foreign:
            owners = sorted({self._spec_owner[f.split(" ")[0]] for f in foreign})
            return (
                f"addon {addon.name!r} implements {', '.join(foreign)} without depending on "
                f"{', '.join(repr(o) for o in owners)}: add it to the manifest's depends"
            )
        unknown = sorted(c.name for c in callers if not c.has_spec())
        if unknown:
            return (
                f"addon {addon.name!r} implements unknown hook(s) {', '.join(unknown)}"
                " (misspelled, or a dependency that publishes them is missing)"
            )
        # A wrapper runs around every other addon's implementation: one that
        # fails or returns the wrong thing would take the hook down for all.
        wrappers = sorted(
            c.name
            for c in callers
            for impl in c.get_hookimpls()
            if impl.plugin is addon.plugin and (impl.wrapper or impl.hookwrapper)
        )
        if wrappers:
            return (
                f"addon {addon.name!r} declares wrapper implementation(s) of "
                f"{', '.join(wrappers)}: addons may not wrap other addons' hooks"
            )
        return None

    def _depends_closure(self, name: str) -> set[str]:
        found: set[str] = set()
        todo = [name]
        while todo:
            current = self.addons.get(todo.pop())
            for dep in current.manifest.depends if current and current.manifest else ():
                if dep not in found:
                    found.add(dep)
                    todo.append(dep)
        return found

    # -- state -----------------------------------------------------------

    def loaded(self) -> list[Addon]:
        return [self.addons[name] for name in self.order]

    def get(self, name: str) -> Addon:
        addon = self.addons.get(name)
        if addon is None:
            known = ", ".join(sorted(n for n in self.addons if "@" not in n))
            raise AddonError(f"unknown addon {name!r}; known addons: {known}")
        return addon

    def enabled_names(self) -> frozenset[str]:
        """Addons enabled in the database, read once per request (or per app
        context outside requests: a job, a CLI command).

        The same statement reads the values the loaded addons' Settings
        pages saved (:class:`host.AddonSettings`), kept for the request: an
        addon's hooks ask for its switches on every page, and each was one
        more statement. Both are also kept for the process, with the
        database's :mod:`host.state_version` counter: a request whose counter
        is the one kept reads that one row rather than them."""
        cache = request_cache()
        if cache is not None and "enabled_addons" in cache:
            return cache["enabled_addons"]
        version = state_version.current()
        kept = self._kept_state
        if kept is not None and version is not None and kept[0] == version:
            names, settings = kept[1], kept[2]
        else:
            names, settings = self._read_state()
            # Read after the counter: what is kept is at least that new.
            self._kept_state = (version, names, settings) if version is not None else None
        if cache is not None:
            cache["enabled_addons"] = names
        Setting.remember(settings)
        return names

    def kept_enabled(self) -> tuple[int | None, frozenset[str]]:
        """The enabled addons as this process kept them, and the
        :mod:`host.state_version` counter they were read at, without a
        statement when some are kept (read as :meth:`enabled_names` when
        none are). For a caller that checks the counter in a statement it
        sends anyway (:func:`host.state_unchanged`): a charge's hold. A
        counter of None matches nothing."""
        kept = self._kept_state
        if kept is None:
            names = self.enabled_names()
            kept = self._kept_state
            if kept is None or kept[1] is not names:
                return None, names
        return kept[0], kept[1]

    def state_moved_since(self, version: int | None) -> bool:
        """Whether the :mod:`host.state_version` counter is no longer
        ``version`` (one row read; None: unknown, so moved)."""
        return version is None or state_version.current() != version

    def reread_enabled(self) -> frozenset[str]:
        """The enabled addons read again now, this request's kept answer too
        (the counter a :meth:`kept_enabled` caller checked had moved)."""
        cache = request_cache()
        if cache is not None:
            cache.pop("enabled_addons", None)
        self._kept_state = None
        return self.enabled_names()

    def _read_state(self) -> tuple[frozenset[str], dict]:
        statement, keys = self._state_statement()
        names, settings = {CORE}, dict.fromkeys(keys)
        for kind, name, value in statement.run().fetchall():
            if kind == _ADDON:
                names.add(name)
            else:
                settings[name] = value
        return frozenset(n for n in names if n in self.order), settings

    def installed_names(self) -> frozenset[str]:
        """Loaded addons whose tables exist (enabled once, maybe disabled
        since): their records stay while they are disabled."""
        found = {row.addon for row in schema.AddonSchema.select(schema.AddonSchema.addon)}
        return frozenset(n for n in self.order if n in found or n == CORE)

    def _setting_keys(self) -> list[str]:
        """``<addon>.<field>`` of every editable key of the loaded addons'
        contracts (where :class:`host.AddonSettings` saves them)."""
        return [
            f"{name}.{field}"
            for name in self.order
            if self.addons[name].manifest.config is not None
            for field in self.addons[name].manifest.config.editable_names()
        ]

    def _state_statement(self) -> tuple[Prepared, list[str]]:
        """Enabled addons and saved settings in one statement, compiled once
        (see host.db.Prepared), and the setting keys it reads; rows are
        ``(kind, name or key, value)``."""
        if self._state is None:
            keys = self._setting_keys()

            def build():
                addons = AddonState.select(Value(_ADDON), AddonState.name, Value("")).where(
                    AddonState.enabled
                )
                if not keys:
                    return addons
                saved = Setting.select(Value(_SETTING), Setting.key, Setting.value).where(
                    Setting.key.in_(keys)
                )
                return addons.union_all(saved)

            self._state = (Prepared(build), keys)
        return self._state

    def forget_cache(self) -> None:
        self._kept_state = None
        for cache in (request_cache(), _context_cache()):
            if cache is not None:
                cache.clear()

    def is_enabled(self, name: str) -> bool:
        return name in self.enabled_names()

    def enable(self, name: str) -> list[str]:
        """Enable an addon and, first, what it depends on.

        Creates the tables of an addon enabled for the first time, or applies
        its pending migrations. Returns the names newly enabled, in order.
        """
        addon = self.get(name)
        if not addon.loaded:
            raise AddonError(f"addon {name!r} cannot be enabled: {addon.error}")
        newly: list[str] = []
        for dep in addon.manifest.depends:
            newly += [n for n in self.enable(dep) if n not in newly]
        if self.is_enabled(name):
            return newly
        try:
            self.install(name)
        except Exception as exc:
            log.exception("installing addon %s failed", name)
            raise AddonError(f"addon {name!r} could not be enabled: {_describe(exc)}") from exc
        AddonState.insert(name=name, enabled=True, updated_at=utcnow()).on_conflict(
            conflict_target=[AddonState.name],
            update={AddonState.enabled: True, AddonState.updated_at: utcnow()},
        ).execute()
        self.forget_cache()
        newly.append(name)
        self.hooks.addon_enabled(name=name)
        return newly

    def disable(self, name: str) -> None:
        addon = self.get(name)
        if addon.core:
            raise AddonError(f"{addon.manifest.title} is part of the host and cannot be disabled")
        dependents = sorted(
            other.name
            for other in self.loaded()
            if name in other.manifest.depends and self.is_enabled(other.name)
        )
        if dependents:
            raise AddonError(
                f"cannot disable {name!r}: enabled addons depend on it: {', '.join(dependents)}. "
                "Disable them first."
            )
        AddonState.update(enabled=False, updated_at=utcnow()).where(
            AddonState.name == name
        ).execute()
        self.forget_cache()

    def install(self, name: str) -> None:
        models = self.hooks.register_models(addon=name)
        migrations = self.hooks.register_migrations(addon=name)
        schema.check_migrations(name, migrations)
        if not schema.install(name, models, migrations):
            # Migrations first: they are written against the tables as they
            # were, and an index the models declare on a column a migration
            # adds cannot be made before (PostgreSQL checks the column even
            # for an index that exists). Then what is new: tables, indexes.
            schema.upgrade(name, migrations)
            db.create_tables(models, safe=True)

    def upgrade_enabled(self) -> None:
        """Apply pending migrations of every enabled addon (at start-up)."""
        for name in self.order:
            if self.is_enabled(name):
                self.install(name)

    # -- hook calls (made through the typed facades of host.hookcalls) -----

    def facade(self, cls: type[F]) -> F:
        """This app's instance of a hook facade (:class:`host.hookcalls.Hooks`)."""
        found = self._facades.get(cls)
        if found is None:
            found = self._facades[cls] = cls(self)
        return found

    @property
    def hooks(self) -> HostHooks:
        """The host's hooks, one typed method each."""
        return self.facade(HostHooks)

    def _impls(self, caller, names: frozenset[str] | None):
        # A page calls some ten hooks with the same enabled set: keep each
        # hook's implementations per set, until an addon is (un)registered.
        key = (caller.name, names)
        impls = self._impl_memo.get(key)
        if impls is None:
            rank = {name: i for i, name in enumerate(self.order)}
            impls = [
                i
                for i in caller.get_hookimpls()
                if i.plugin_name in rank and (names is None or i.plugin_name in names)
            ]
            impls.sort(key=lambda i: rank[i.plugin_name])
            self._impl_memo[key] = impls
        if self.trace:
            log.info("hook %s -> %s", caller.name, ", ".join(i.plugin_name for i in impls) or "-")
        return impls

    def implemented(self, caller) -> bool:
        """Whether an enabled addon implements the hook."""
        return bool(self._impls(caller, self.enabled_names()))

    def hooks_of(self, name: str) -> list[str]:
        """The hooks an addon implements (for the Apps page and the CLI)."""
        addon = self.addons.get(name)
        if addon is None or not addon.loaded or name not in self.order:
            return []
        return sorted(caller.name for caller in self.pm.get_hookcallers(addon.plugin) or [])

    def call(
        self, caller, kwargs: dict, names=None, isolate: bool = False
    ) -> list[tuple[str, object]]:
        """Call a hook on each addon in ``names`` (default: every loaded one)
        in load order, returning ``(addon, result)`` pairs. With ``isolate``,
        an addon that raises is recorded as failing and skipped; otherwise
        the exception propagates."""
        results = []
        for impl in self._impls(caller, frozenset(names) if names is not None else None):
            try:
                results.append(
                    (impl.plugin_name, impl.function(*[kwargs[a] for a in impl.argnames]))
                )
            except Exception as exc:
                if not isolate:
                    raise
                self._record_runtime_error(impl.plugin_name, caller.name, exc)
        return results

    def call_at_build(self, caller, kwargs: dict) -> list[tuple[str, object]]:
        """Like :meth:`call` while the app is built: an addon that raises is
        marked failed (with the addons that depend on it) instead of stopping
        the app."""
        results = []
        for impl in self._impls(caller, None):
            if impl.plugin_name not in self.order:  # failed with a dependency
                continue
            try:
                results.append(
                    (impl.plugin_name, impl.function(*[kwargs[a] for a in impl.argnames]))
                )
            except Exception as exc:
                self.fail(impl.plugin_name, f"{caller.name} failed: {_describe(exc)}")
        return results

    def fail(self, name: str, message: str) -> None:
        """Take a loaded addon out of service, and the addons that need it."""
        addon = self.addons[name]
        addon.error = message
        log.error("addon %s disabled for this run: %s", name, message)
        if name in self.order:
            self.order.remove(name)
            self.pm.unregister(addon.plugin)
            self._impl_memo.clear()
        for other in list(self.order):
            if name in self.addons[other].manifest.depends:
                self.fail(other, f"addon {other!r} depends on {name!r}, which failed to load")

    def collect(self, caller, item_type: type, kwargs: dict) -> list:
        """Flatten a UI hook's lists from every enabled addon.

        Each addon's call is isolated: an exception, a result that is not a
        list, or an item that is not an ``item_type`` is logged and recorded on
        the addon, and the page renders without it. Items are sorted by
        sequence then id; a duplicate id is dropped.
        """
        items: list = []
        seen: dict[str, str] = {}
        for name, result in self.call(caller, kwargs, self.enabled_names(), isolate=True):
            if result is None:
                continue
            if not isinstance(result, list | tuple):
                # A generator would run the addon's code outside this isolation,
                # a dict would be read as its keys.
                self._record_runtime_error(
                    name,
                    caller.name,
                    AddonError(
                        f"returned {_kind(result)}; expected a list of {item_type.__name__}"
                    ),
                )
                continue
            for item in result:
                if not isinstance(item, item_type):
                    self._record_runtime_error(
                        name,
                        caller.name,
                        AddonError(
                            f"returned {_kind(item)} in its list; expected "
                            f"{item_type.__name__}, ignored"
                        ),
                    )
                    continue
                if item.id in seen:
                    self._record_runtime_error(
                        name,
                        caller.name,
                        AddonError(
                            f"duplicate id {item.id!r}, already used by addon "
                            f"{seen[item.id]!r}; ignored"
                        ),
                    )
                    continue
                seen[item.id] = name
                items.append(item)
        endpoints = {e for e in (getattr(i, "endpoint", None) for i in items) if e is not None}
        if endpoints and has_request_context():
            from host.access import reachable

            # A button the user may not follow is not shown (access groups).
            allowed = reachable(endpoints)
            items = [
                i for i in items if getattr(i, "endpoint", None) in allowed or i.endpoint is None
            ]
        return sorted(items, key=lambda item: (item.sequence, item.id))

    def _record_runtime_error(self, name: str, hookname: str, exc: Exception) -> None:
        self.runtime_failures += 1
        log.error(
            "addon %s failed in hook %s: %s",
            name,
            hookname,
            exc,
            exc_info=not isinstance(exc, AddonError),
        )
        addon = self.addons[name]
        if addon.runtime_errors is None:
            addon.runtime_errors = []
        message = f"{hookname}: {_describe(exc)}"
        if message not in addon.runtime_errors:
            addon.runtime_errors = (addon.runtime_errors + [message])[-5:]


def notify_saved(model: str, ids) -> None:
    """Tell the addons that records of ``model`` were saved (the
    ``records_saved`` hook). Call it after the transaction that saved them."""
    ids = [int(i) for i in ids]
    if ids:
        registry().hooks.records_saved(model=model, ids=ids)


def registry() -> AddonRegistry:
    return current_app.extensions["host"]


def _with_depends(manifest: Manifest, depends: tuple[str, ...]) -> Manifest:
    from dataclasses import replace

    return replace(manifest, depends=tuple(dict.fromkeys(depends)))


def _origin(plugin: object) -> str:
    return getattr(plugin, "__name__", None) or type(plugin).__name__


def _guess_name(label: str) -> str:
    parts = [p for p in label.split(".") if p not in ("plugin", "addon")]
    return parts[-1] if parts else label


def _describe(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<")]
    where = f" ({frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _kind(value: object) -> str:
    text = repr(value)
    return f"a {type(value).__name__} ({text[:60]}{'…' if len(text) > 60 else ''})"
