"""Every public name an addon may import is documented in docs/api.md, and
each function's documented signature names its real parameters."""

import inspect
import re
from pathlib import Path

import pytest

import addons.iap
import host

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
MODULES = {"host": host, "addons.iap": addons.iap}


def _module_sections() -> dict[str, dict[str, str]]:
    """``## `module` `` -> ``#### name`` -> the text up to the next heading
    (``###`` headings group the names)."""
    found: dict[str, dict[str, str]] = {}
    for block in re.split(r"^## ", DOCS, flags=re.M)[1:]:
        title, _, body = block.partition("\n")
        module = title.strip().strip("`")
        parts = re.split(r"^#{3,4} (.+)$", body, flags=re.M)
        headings = re.findall(r"^(#{3,4}) (.+)$", body, flags=re.M)
        found[module] = {
            name.strip(): text
            for (level, name), text in zip(headings, parts[2::2], strict=True)
            if level == "####"
        }
    return found


SECTIONS = _module_sections()
NAMES = [(module, name) for module, mod in MODULES.items() for name in mod.__all__]
# Functions whose signature the docs must follow (classes show their own use).
FUNCTIONS = [
    (module, name)
    for module, name in NAMES
    if inspect.isfunction(getattr(MODULES[module], name)) and name not in ("hookimpl", "hookspec")
]


@pytest.mark.parametrize("module, name", NAMES)
def test_public_name_is_documented(module, name):
    sections = SECTIONS.get(module, {})
    assert name in sections, f"docs/api.md has no '#### {name}' under '## `{module}`'"
    assert "```python" in sections[name], f"the '{name}' section shows no code"


@pytest.mark.parametrize("module, name", FUNCTIONS)
def test_documented_parameters_are_the_real_ones(module, name):
    obj = getattr(MODULES[module], name)
    text = SECTIONS[module][name]
    for parameter in inspect.signature(obj).parameters:
        assert re.search(rf"\b{parameter}\b", text), f"'{name}' section lacks '{parameter}'"


def test_documented_names_are_public():
    for module, sections in SECTIONS.items():
        public = set(MODULES[module].__all__)
        described = {n for n in sections if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n)}
        assert described <= public, f"{module}: documented but not public: {described - public}"
