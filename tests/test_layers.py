"""The package's import rules, read from its own docstrings and checked on the source (``ast``).

- ``lwtbench/__init__.py`` lists the packages lowest first: a module imports only from its own
  package or packages before it.
- Each package's ``__init__`` docstring says what it holds and ends with ``Must not import:``
  and the packages it must never import; those lists are enforced as written.
- No import cycle between modules, counting imports inside functions (lazy imports are still
  dependencies); imports under ``if TYPE_CHECKING:`` are annotations, not dependencies.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "lwtbench"

KNOWN_CYCLES: set[frozenset[str]] = set()
"""Cycles tolerated for now (none)."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(name: str) -> set[str]:
    """lwtbench modules (or packages) ``name`` imports, anywhere in its file."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return {m for m in found if m == "lwtbench" or m.startswith("lwtbench.")}


def top_package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_order() -> list[str]:
    doc = ast.get_docstring(ast.parse(MODULES["lwtbench"].read_text(encoding="utf-8"))) or ""
    listing = doc.split("Packages, lowest first:", 1)[1].split(". ", 1)[0]
    return re.findall(r"``(\w+)``", listing)


def must_not_import(package: str) -> set[str]:
    doc = ast.get_docstring(ast.parse(MODULES[f"lwtbench.{package}"].read_text("utf-8"))) or ""
    assert "Must not import:" in doc, f"lwtbench/{package}/__init__.py: no 'Must not import:'"
    return set(re.findall(r"``lwtbench\.(\w+)``", doc.split("Must not import:", 1)[1]))


def test_every_package_is_placed_in_the_order_and_states_its_rules():
    order = layer_order()
    packages = sorted({top_package(m) for m in MODULES if top_package(m)})
    top_modules = {p for p in packages if not (ROOT / p).is_dir()}
    assert sorted(order) == sorted((set(packages) - top_modules) | {"errors"}), order
    for package in set(packages) - top_modules:
        assert (ROOT / package / "__init__.py").is_file()
        assert must_not_import(package) <= set(order), package


def test_imports_follow_the_order_and_the_docstrings():
    order = layer_order()
    rank = {name: i for i, name in enumerate(order)}
    # A top-level module the order does not name (a small utility beside errors.py) sits at
    # the bottom with errors: it may import only others of its kind.
    for name, path in MODULES.items():
        here = top_package(name)
        if here and here not in rank and path.parent == ROOT and here != "__main__":
            rank[here] = 0
    forbidden = {p: must_not_import(p) for p in order if p != "errors"}
    bad = []
    for module in MODULES:
        here = top_package(module)
        if here not in rank:  # lwtbench/__init__.py, __main__.py
            continue
        if (
            rank[here] == 0
            and here != "errors"
            and any(rank.get(top_package(t), 0) > 0 for t in imports_of(module))
        ):
            bad.append(f"{module} is a bottom utility but imports from a package above")
        for target in imports_of(module):
            there = top_package(target)
            if not there or there == here:
                continue
            if rank[there] > rank[here]:
                bad.append(f"{module} -> {target} (against the order)")
            if there in forbidden.get(here, set()):
                bad.append(f"{module} -> {target} (lwtbench.{here} must not import it)")
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    graph = {m: {t for t in imports_of(m) if t in MODULES and t != m} for m in MODULES}
    # Tarjan's strongly connected components: any component of two or more is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(frozenset(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    unexpected = [sorted(c) for c in cycles if c not in KNOWN_CYCLES]
    assert not unexpected, unexpected


def test_the_checker_sees_lazy_and_relative_imports():
    # Guards the checker itself: a lazy import inside a function counts, TYPE_CHECKING does not.
    assert "lwtbench.testbeds.lab.testbed" in imports_of("lwtbench.testbeds.lab.kind")
    assert "lwtbench.testbeds.testbed_file" not in imports_of("lwtbench.testbeds.dut")
    assert "lwtbench.errors" in imports_of("lwtbench.testbeds.lab.kind")
