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
from flask import current_app, g, has_app_context, has_request_context, request

from host import hookspecs
from host import migrations as schema
from host.db import Prepared, db, utcnow
from host.manifest import AddonError, Manifest, load_order
from host.models import AddonState

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "iap_host.addons"
# Read on every request and job: compiled once (see host.db.Prepared).
ENABLED_ADDONS = Prepared(lambda: AddonState.select(AddonState.name).where(AddonState.enabled))
CORE = "base"


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
        # IAP_HOST_TRACE_HOOKS=1: log every hook call and who answered it.
        self.trace = trace

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
        except Exception as exc:
            addon.error = _describe(exc)
            return
        unknown = [
            caller.name
            for caller in self.pm.get_hookcallers(addon.plugin) or []
            if not caller.has_spec()
        ]
        if unknown:
            self.pm.unregister(addon.plugin)
            addon.error = (
                f"addon {addon.name!r} implements unknown hook(s) {', '.join(sorted(unknown))}"
                " (misspelled, or a dependency that publishes them is missing)"
            )
            return
        self.order.append(addon.name)

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
        context outside requests: a job, a CLI command)."""
        cache = request_cache()
        if cache is not None and "enabled_addons" in cache:
            return cache["enabled_addons"]
        names = {CORE}
        names.update(row[0] for row in ENABLED_ADDONS.run().fetchall())
        names = frozenset(n for n in names if n in self.order)
        if cache is not None:
            cache["enabled_addons"] = names
        return names

    def forget_cache(self) -> None:
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
        self.call_enabled("addon_enabled", name=name)
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
        models = self.call_one(name, "register_models") or []
        migrations = self.call_one(name, "register_migrations") or []
        schema.check_migrations(name, migrations)
        if not schema.install(name, models, migrations):
            db.create_tables(models, safe=True)
            schema.upgrade(name, migrations)

    def upgrade_enabled(self) -> None:
        """Apply pending migrations of every enabled addon (at start-up)."""
        for name in self.order:
            if self.is_enabled(name):
                self.install(name)

    # -- hook calls ------------------------------------------------------

    def _impls(self, hookname: str, names: frozenset[str] | None):
        caller = getattr(self.pm.hook, hookname)
        rank = {name: i for i, name in enumerate(self.order)}
        impls = [i for i in caller.get_hookimpls() if names is None or i.plugin_name in names]
        impls = sorted(impls, key=lambda i: rank.get(i.plugin_name, 0))
        if self.trace:
            log.info("hook %s -> %s", hookname, ", ".join(i.plugin_name for i in impls) or "-")
        return impls

    def hooks_of(self, name: str) -> list[str]:
        """The hooks an addon implements (for the Apps page and the CLI)."""
        addon = self.addons.get(name)
        if addon is None or not addon.loaded or name not in self.order:
            return []
        return sorted(caller.name for caller in self.pm.get_hookcallers(addon.plugin) or [])

    def call_one(self, name: str, hookname: str, **kwargs):
        """Call one addon's implementation of a hook (None if it has none)."""
        for impl in self._impls(hookname, frozenset({name})):
            return impl.function(*[kwargs[arg] for arg in impl.argnames])
        return None

    def call_each(self, hookname: str, names=None, **kwargs) -> list[tuple[str, object]]:
        """Call a hook on each addon in ``names`` (default: all loaded), in
        load order, returning ``(addon, result)`` pairs. Exceptions propagate."""
        return [
            (impl.plugin_name, impl.function(*[kwargs[a] for a in impl.argnames]))
            for impl in self._impls(hookname, frozenset(names) if names is not None else None)
        ]

    def call_each_isolated(self, hookname: str, **kwargs) -> list[tuple[str, object]]:
        """Like :meth:`call_each` at start-up: an addon that raises is marked
        failed (with the addons that depend on it) instead of stopping the app."""
        results = []
        for impl in self._impls(hookname, None):
            if impl.plugin_name not in self.order:
                continue
            try:
                results.append(
                    (impl.plugin_name, impl.function(*[kwargs[a] for a in impl.argnames]))
                )
            except Exception as exc:
                self.fail(impl.plugin_name, f"{hookname} failed: {_describe(exc)}")
        return results

    def fail(self, name: str, message: str) -> None:
        """Take a loaded addon out of service, and the addons that need it."""
        addon = self.addons[name]
        addon.error = message
        log.error("addon %s disabled for this run: %s", name, message)
        if name in self.order:
            self.order.remove(name)
            self.pm.unregister(addon.plugin)
        for other in list(self.order):
            if name in self.addons[other].manifest.depends:
                self.fail(other, f"addon {other!r} depends on {name!r}, which failed to load")

    def call_enabled(self, hookname: str, **kwargs) -> list[tuple[str, object]]:
        return self.call_each(hookname, names=self.enabled_names(), **kwargs)

    def collect(self, hookname: str, **kwargs) -> list:
        """Flatten a UI hook's lists from every enabled addon.

        Each addon's call is isolated: an exception is logged and recorded on
        the addon, and the page renders without that addon's items. Items are
        sorted by sequence then id; a duplicate id is dropped.
        """
        items: list = []
        seen: dict[str, str] = {}
        for impl in self._impls(hookname, self.enabled_names()):
            try:
                result = impl.function(*[kwargs[a] for a in impl.argnames]) or []
            except Exception as exc:
                self._record_runtime_error(impl.plugin_name, hookname, exc)
                continue
            for item in result:
                if item.id in seen:
                    self._record_runtime_error(
                        impl.plugin_name,
                        hookname,
                        AddonError(
                            f"duplicate id {item.id!r}, already used by addon "
                            f"{seen[item.id]!r}; ignored"
                        ),
                    )
                    continue
                seen[item.id] = impl.plugin_name
                items.append(item)
        return sorted(items, key=lambda item: (item.sequence, item.id))

    def notify(self, hookname: str, **kwargs) -> None:
        """Call an event hook on every enabled addon, each call isolated as in
        :meth:`collect`: the event happened whatever an addon does with it."""
        for impl in self._impls(hookname, self.enabled_names()):
            try:
                impl.function(*[kwargs[a] for a in impl.argnames])
            except Exception as exc:
                self._record_runtime_error(impl.plugin_name, hookname, exc)

    def _record_runtime_error(self, name: str, hookname: str, exc: Exception) -> None:
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
        registry().notify("records_saved", model=model, ids=ids)


def request_cache() -> dict | None:
    """Values computed once per request, or once per app context outside a
    request (a job, a CLI command). In a request the app context may be one
    that outlives many requests (tests), so the request itself holds them."""
    if has_request_context():
        return request.environ.setdefault("iap_host.cache", {})
    return _context_cache()


def _context_cache() -> dict | None:
    if not has_app_context():
        return None
    return g.setdefault("iap_host_cache", {})


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
