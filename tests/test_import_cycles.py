"""No import cycles between the modules of the addons, nor between the
host's own modules (the package ``host`` re-exports the public names, so a
host module importing a name from ``host`` rather than from its module is a
cycle too). A module that needs another one's caller (a job queued from the
domain module the job runs) is a sign the job belongs beside the work.
Imports inside functions count (they only hide a cycle); imports under
``if TYPE_CHECKING:`` do not (annotations)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _modules(package: str) -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _under_type_checking(tree: ast.Module) -> set[int]:
    """Ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(inner) for stmt in node.body for inner in ast.walk(stmt)}
    return skipped


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped = _under_type_checking(tree)
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    found.add(f"{base}.{alias.name}")  # a submodule
                elif base in modules:
                    found.add(base)  # a name from the module (or package)
    return found - {name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_detector_finds_a_cycle_through_a_lazy_import():
    graph = {"a.jobs": {"a.work"}, "a.work": {"a.jobs"}, "a.models": set()}
    assert cycles(graph) == [["a.jobs", "a.work"]]
    assert cycles({"a.jobs": {"a.work"}, "a.work": set()}) == []


def test_the_detector_reads_lazy_relative_and_package_imports(tmp_path):
    package = tmp_path / "kit"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "jobs.py").write_text("from kit import work\n")
    (package / "work.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from kit.models import Row\n"
        "def later():\n    from .jobs import run\n"
    )
    (package / "models.py").write_text("")
    modules = {f"kit.{p.stem}".removesuffix(".__init__"): p for p in sorted(package.glob("*.py"))}
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert graph["kit.work"] == {"kit.jobs"}  # the TYPE_CHECKING import does not count
    assert cycles(graph) == [["kit.jobs", "kit.work"]]


def _graph(package: str) -> dict[str, set[str]]:
    modules = _modules(package)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


@pytest.mark.parametrize("package", ["addons", "host"])
def test_no_import_cycles(package):
    assert cycles(_graph(package)) == []


def test_the_host_graph_is_read_and_would_show_a_cycle():
    """The host check is not empty: the graph holds the host's known edges, and
    adding the edge the access groups once had (access asking security for
    the user) makes a cycle the check reports."""
    graph = _graph("host")
    assert "host.security" in graph
    assert "host.access" in graph["host.security"]
    assert "host.hookcalls" in graph["host.documents"]
    graph["host.access"].add("host.security")
    assert ["host.access", "host.security"] in cycles(graph)
