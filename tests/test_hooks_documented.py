"""Every hook is documented in docs/hooks.md and exercised by a test.

The hook names come from the hookspec modules themselves, read the way pluggy
reads them, so a new hook cannot be forgotten.
"""

import importlib
import re
from pathlib import Path

import pluggy
import pytest

from host import hookspecs as host_hookspecs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "hooks.md"


def _spec_modules() -> list[str]:
    addons = sorted(p.parent.name for p in (ROOT / "addons").glob("*/hookspecs.py"))
    return ["host.hookspecs", *(f"addons.{name}.hookspecs" for name in addons)]


def _spec_names(module_name: str) -> list[str]:
    """Names pluggy accepts as hook specifications in the module."""
    module = importlib.import_module(module_name)
    pm = pluggy.PluginManager(host_hookspecs.PROJECT)
    return sorted(name for name in dir(module) if pm.parse_hookspec_opts(module, name))


SPECS = {module: _spec_names(module) for module in _spec_modules()}
HOOKS = sorted({name for names in SPECS.values() for name in names})


def _sections() -> dict[str, str]:
    """``### name`` heading -> the text up to the next heading."""
    parts = re.split(r"^(#{2,3} .+)$", DOCS.read_text(encoding="utf-8"), flags=re.M)
    return {
        heading[4:].strip(): body
        for heading, body in zip(parts[1::2], parts[2::2], strict=True)
        if heading.startswith("### ")
    }


def _test_sources() -> dict[Path, str]:
    this = Path(__file__).resolve()
    return {
        path: path.read_text(encoding="utf-8")
        for path in (ROOT / "tests").rglob("*.py")
        if path.resolve() != this
    }


def test_every_spec_module_declares_hooks():
    assert "host.hookspecs" in SPECS
    for module, names in SPECS.items():
        assert names, f"{module} declares no hook specification"
    assert {"register_models", "menu_items", "settings_blocks"} <= set(SPECS["host.hookspecs"])


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook):
    assert hook in _sections(), f"docs/hooks.md has no '### {hook}' section"


@pytest.mark.parametrize("hook", SPECS["host.hookspecs"])
def test_host_hook_documentation_is_complete(hook):
    body = _sections().get(hook, "")
    for part in ("**When:**", "**Arguments:**", "**Returns:**", "@hookimpl"):
        assert part in body, f"the '{hook}' section lacks {part}"
    assert f"def {hook}(" in body, f"the '{hook}' section has no example implementation"


def test_documented_hooks_exist():
    hook_like = {h for h in _sections() if re.fullmatch(r"[a-z][a-z0-9_]*", h)}
    assert hook_like - set(HOOKS) == set(), "docs/hooks.md documents hooks that do not exist"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_exercised_by_a_test(hook):
    word = re.compile(rf"\b{re.escape(hook)}\b")
    users = [path for path, text in _test_sources().items() if word.search(text)]
    assert users, f"no test under tests/ mentions the hook {hook!r}"
