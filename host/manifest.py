"""What an addon says about itself, and the load order computed from it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from host.access import Group
from host.chatter import ChatterModel
from host.configuration import Config

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class AddonError(Exception):
    """An addon that cannot be loaded or enabled; the message names it."""


@dataclass(frozen=True)
class Manifest:
    """Identity card of an addon, kept as ``manifest`` in its plugin module.

    ``name`` is the addon's key: its table prefix, URL prefix and template
    folder. ``depends`` lists the addons that must be enabled before it.
    ``hookspecs`` is an optional module or class of hook specifications that
    the addon publishes for the addons depending on it. ``config`` is its
    configuration contract (:class:`host.Config`): the keys the host reads
    from the config files and the environment for it.
    """

    name: str
    title: str
    version: str = "1.0"
    summary: str = ""
    depends: tuple[str, ...] = ()
    icon: str = "🧩"
    category: str = "Tools"
    hookspecs: object | None = None
    # The configuration keys it reads (host.Config), with defaults and types.
    config: Config | None = None
    # Enabled automatically on a new database (the host's own features).
    auto_enable: bool = False
    # Its access groups, lowest first; each includes the ones before it
    # ("Digitization: User", then "Digitization: Manager").
    groups: tuple[Group, ...] = ()
    # The group a user has until an administrator chooses ("" for none).
    default_group: str = ""
    # Its record types with a chatter, registered by the host as the app is built.
    chatter: tuple[ChatterModel, ...] = ()

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise AddonError(
                f"invalid addon name {self.name!r}: use 2-40 lowercase letters, digits "
                "or underscores, starting with a letter"
            )
        if isinstance(self.depends, str):
            raise AddonError(f"addon {self.name!r}: depends must be a tuple of names")
        object.__setattr__(self, "depends", tuple(self.depends))
        object.__setattr__(self, "groups", tuple(self.groups))
        object.__setattr__(self, "chatter", tuple(self.chatter))
        if not all(isinstance(model, ChatterModel) for model in self.chatter):
            raise AddonError(f"addon {self.name!r}: chatter must be ChatterModel objects")
        keys = [group.key for group in self.groups]
        if not all(isinstance(group, Group) for group in self.groups) or len(set(keys)) != len(
            keys
        ):
            raise AddonError(f"addon {self.name!r}: groups must be Group objects with unique keys")
        if self.default_group and self.default_group not in keys:
            raise AddonError(
                f"addon {self.name!r}: default_group {self.default_group!r} is not a group of it"
            )


@dataclass
class LoadOrder:
    order: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def load_order(manifests: dict[str, Manifest]) -> LoadOrder:
    """Order addons so that each comes after what it depends on.

    An addon with a missing dependency, or caught in a cycle, is not loaded;
    its error says which addons are involved. Ties keep the given order so
    start-up is deterministic.
    """
    result = LoadOrder()
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> bool:
        if state.get(name) == "done":
            return True
        if state.get(name) == "failed":
            return False
        if state.get(name) == "visiting":
            cycle = path[path.index(name) :] + [name]
            message = "dependency cycle: " + " -> ".join(cycle)
            for member in cycle:
                result.errors.setdefault(member, message)
                state[member] = "failed"
            return False
        state[name] = "visiting"
        for dep in manifests[name].depends:
            if dep not in manifests:
                result.errors[name] = f"addon {name!r} depends on {dep!r}, which is not installed"
                state[name] = "failed"
                return False
            if not visit(dep, path + [name]):
                if state.get(name) != "failed":
                    result.errors.setdefault(
                        name, f"addon {name!r} depends on {dep!r}, which failed to load"
                    )
                    state[name] = "failed"
                return False
        if state.get(name) == "failed":
            return False
        state[name] = "done"
        result.order.append(name)
        return True

    for name in manifests:
        visit(name, [])
    return result
