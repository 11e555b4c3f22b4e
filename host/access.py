"""Access groups per addon, the way Odoo users know them.

An addon declares its groups on its manifest, lowest first; each group
includes the ones before it (``Digitization: User`` sees their own
documents, ``Digitization: Manager`` sees everyone's and validates).
Administrators have every group. Other users have, per addon, the group an
administrator chose on the Users page, or the manifest's ``default_group``.

Every view of an addon that declares groups needs its lowest group unless it
says otherwise (:func:`group_required`, ``host.admin_required``,
``host.public_endpoint``): the host checks it before the view runs, so a new
view cannot forget. Buttons, menu items and widgets whose endpoint the user
may not reach are not shown.
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass

from flask import abort, current_app, has_request_context

from host.models import User, UserAccess
from host.request_cache import request_cache
from host.session_user import current_user


@dataclass(frozen=True)
class Group:
    """One access group of an addon: ``key`` (``user``), ``label`` (``User``)
    and what it allows, shown on the Users page."""

    key: str
    label: str
    description: str = ""


_MANIFESTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # registry -> (enabled, …)


def _manifests() -> dict:
    registry = current_app.extensions["host"]
    enabled = registry.enabled_names()
    # A page asks some thirty times (every button's endpoint): keep the
    # answer per app for the last set of enabled addons (manifests are fixed
    # once loaded). Callers only read it.
    memo = _MANIFESTS.get(registry)
    if memo is not None and memo[0] == enabled:
        return memo[1]
    manifests = {
        name: addon.manifest
        for name, addon in registry.addons.items()
        if name in enabled and addon.manifest is not None and addon.manifest.groups
    }
    _MANIFESTS[registry] = (enabled, manifests)
    return manifests


def addon_groups() -> dict:
    """The enabled addons that declare groups: ``{addon: manifest}``, in load order."""
    return dict(_manifests())


def _split(group: str) -> tuple[str, str]:
    addon, _, key = group.partition(".")
    if not addon or not key:
        raise ValueError(f"{group!r}: a group is named '<addon>.<key>'")
    return addon, key


def _current():
    return current_user()


def user_levels(user: User) -> dict[str, str]:
    """``{addon: group key}`` of a user ("" for no access), for every enabled
    addon that declares groups; an administrator has each addon's highest."""
    manifests = _manifests()
    if user.is_admin:
        return {name: manifest.groups[-1].key for name, manifest in manifests.items()}
    cache = None
    if has_request_context():
        from flask import request

        cache = request.environ.setdefault("iap_host.cache", {}).setdefault("access", {})
        if user.id in cache:
            return cache[user.id]
    chosen = {row.addon: row.group for row in UserAccess.select().where(UserAccess.user == user.id)}
    levels = {
        name: chosen.get(name, manifest.default_group) for name, manifest in manifests.items()
    }
    if cache is not None:
        cache[user.id] = levels
    return levels


def has_group(group: str, user: User | None = None) -> bool:
    """Whether ``user`` (the request's by default) has ``group``
    (``"digitization.manager"``) or a higher group of the same addon. An
    administrator has every group; nobody has a group of a disabled addon."""
    _split(group)
    user = user if user is not None else _current()
    if user is None:
        return False
    return _grants(_manifests(), lambda: user_levels(user), group)


def _grants(manifests: dict, levels, group: str) -> bool:
    """Whether the levels (``levels()``: ``{addon: group key}``, asked only
    when the addon declares groups) include ``group``."""
    addon, key = _split(group)
    manifest = manifests.get(addon)
    if manifest is None:
        return False
    keys = [g.key for g in manifest.groups]
    if key not in keys:
        raise ValueError(f"{group!r}: addon {addon!r} declares no group {key!r}")
    level = levels().get(addon, "")
    return bool(level) and level in keys and keys.index(level) >= keys.index(key)


def group_required(group: str):
    """Decorate a view that needs ``group`` (``"sms.manager"``): others get 403.

    Views of an addon that declares groups need its lowest group without
    this decorator; use it for the views that need more."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not has_group(group):
                abort(403, description=refusal(group))
            return view(*args, **kwargs)

        wrapper.host_group = group  # read by the host's check and the route walk test
        return wrapper

    return decorate


def refusal(group: str) -> str:
    addon, key = _split(group)
    manifest = _manifests().get(addon)
    if manifest is None:
        return "This page is not available."
    label = next((g.label for g in manifest.groups if g.key == key), key)
    return f"This page needs the access group {manifest.title}: {label}. Ask an administrator."


def required_group(view, addon: str | None, manifests: dict | None = None) -> str | None:
    """The group a view needs: its own (:func:`group_required`), or the lowest
    group of the addon whose blueprint holds it; None when it needs none.
    ``manifests``: :func:`addon_groups`' answer, when the caller has it."""
    declared = getattr(view, "host_group", None)
    if declared:
        return declared
    if addon is None:
        return None
    manifest = (manifests if manifests is not None else _manifests()).get(addon)
    if manifest is None:
        return None
    return f"{addon}.{manifest.groups[0].key}"


def can_reach(endpoint: str) -> bool:
    """Whether the request's user may open ``endpoint`` (for the buttons and
    menu items the host shows); answered once per endpoint and request (a
    contact page asks for its SMS button once per phone field)."""
    return endpoint in reachable((endpoint,))


def reachable(endpoints) -> set[str]:
    """The ones of ``endpoints`` the request's user may open: :func:`can_reach`
    for a whole list of buttons, looking the user, the memo, the addons'
    groups and the user's levels up once rather than once per button."""
    cache = request_cache() if has_request_context() else None
    memo = cache.setdefault("can_reach", {}) if cache is not None else {}
    user = _current()
    who = None if user is None else (user.id, user.is_admin)
    found = set()
    manifests = levels = None

    def levels_once():
        nonlocal levels
        if levels is None:
            levels = user_levels(user)
        return levels

    for endpoint in endpoints:
        key = (endpoint, who)
        allowed = memo.get(key)
        if allowed is None:
            if manifests is None:
                manifests = _manifests()
            allowed = memo[key] = _can_reach(endpoint, user, manifests, levels_once)
        if allowed:
            found.add(endpoint)
    return found


def _can_reach(endpoint: str, user, manifests: dict, levels) -> bool:
    app = current_app
    view = app.view_functions.get(endpoint)
    if view is None:
        return True
    if user is None:
        return True
    if getattr(view, "host_admin_only", False):
        return user.is_admin
    if "." not in endpoint:
        group = getattr(view, "host_group", None)
    else:
        owner = app.extensions["host"].blueprint_owner.get(endpoint.split(".")[0])
        group = required_group(view, owner, manifests)
    return group is None or _grants(manifests, levels, group)


def own_records(query, owner_field, *, see_all: str):
    """``query`` limited to the request user's records (``owner_field ==
    user``) unless the user has ``see_all`` (``"sms.manager"``)."""
    if has_group(see_all):
        return query
    user = _current()
    return query.where(owner_field == (user.id if user is not None else None))


def owns(owner_id: int | None, *, see_all: str) -> bool:
    """Whether the request's user owns the record (``owner_id``) or has ``see_all``."""
    if has_group(see_all):
        return True
    user = _current()
    return user is not None and owner_id == user.id


def check_owner(owner_id: int | None, *, see_all: str) -> None:
    """Answer 404 unless the request's user owns the record or has ``see_all``:
    another user's record does not exist for them."""
    if not owns(owner_id, see_all=see_all):
        abort(404, description="This record does not exist, or it is not yours.")


def set_group(user: User, addon: str, group: str) -> None:
    """Give ``user`` the group ``group`` (a key, "" for no access) of ``addon``."""
    manifest = _manifests().get(addon)
    if manifest is None:
        raise ValueError(f"addon {addon!r} is not enabled or declares no groups")
    if group and group not in [g.key for g in manifest.groups]:
        raise ValueError(f"addon {addon!r} declares no group {group!r}")
    UserAccess.insert(user=user.id, addon=addon, group=group).on_conflict(
        conflict_target=[UserAccess.user, UserAccess.addon], update={UserAccess.group: group}
    ).execute()
    if has_request_context():
        from flask import request

        cache = request.environ.get("iap_host.cache", {})
        cache.get("access", {}).pop(user.id, None)
        cache.pop("can_reach", None)
