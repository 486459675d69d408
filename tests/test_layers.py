"""The package's import structure: no cycles, and each module imports only from its own
layer or the layers below it.

Every import counts: module level, inside functions and under ``TYPE_CHECKING`` (a lazy
import hides a cycle from Python, not from the reader). A new module must be given a layer
here: the layering is a decision, not an accident. The layers, bottom up:

- base: plain data and helpers every layer may use (dimensions, diagnostics, structures);
- language: the expression language (grammar, trees, shapes, printers, normal form);
- evaluation: numpy evaluation of trees and random draws;
- records: the record schema and a record's statement as typed trees;
- verification: the numerical checks of a statement;
- catalog: loaded records and the queries on them (search, match, derive);
- output: pages, exports, the site build and the command line.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kb"

LAYERS: dict[str, tuple[str, ...]] = {
    "base": ("diagnostics", "dims", "paths", "results", "structures", "linalg",
             "differences", "limits", "arguments", "escape"),
    "language": ("ast", "precedence", "functions", "grammar", "layouts", "shapes", "notation",
                 "printer", "latex", "normal_form", "specialize", "to_sympy"),
    "evaluation": ("numeric", "sampling", "singularities"),
    "records": ("schema", "conditions", "statement_types", "statement", "derivation"),
    "verification": ("verify", "step_check"),
    "catalog": ("identity", "file_guard", "yaml_guard", "loader", "catalog", "catalog_run",
                "search", "match", "lookup", "coverage", "derive"),
    "output": ("export", "render", "katex", "site_hook", "syntax_table", "cli", "writing",
               "site_build"),
}
ORDER = list(LAYERS)
Graph = Mapping[str, set[str]]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    return ".".join(p for p in rel.parts if p != "__init__")


def layer_of(module: str) -> str | None:
    top = module.split(".")[0]
    return next((layer for layer, names in LAYERS.items() if top in names), None)


def _is_module(dotted: str) -> bool:
    path = PACKAGE.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported(name: str, is_package: bool, tree: ast.Module) -> set[str]:
    """The kb modules (dotted, without ``kb.``) that a module's code imports."""
    package = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from .x import y
                base = ["kb", *package[: len(package) - node.level + 1]]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # `from kb import ast` and `from . import trees` import modules, not the package.
            names = {f"{module}.{a.name}" for a in node.names}
            modules = {n for n in names if n.startswith("kb.") and _is_module(n[3:])}
            found |= modules or {module}
    return {m[3:] for m in found if m.startswith("kb.") and _is_module(m[3:])} - {name}


@cache
def imports() -> dict[str, set[str]]:
    """Each kb module and the kb modules it imports."""
    out: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        if name:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            out[name] = imported(name, path.name == "__init__.py", tree)
    return out


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next((c for c in children if c in graph), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def upward(graph: Graph, layer: Callable[[str], str | None]) -> list[str]:
    """The imports from a module to a module of a higher layer."""
    out = []
    for module, targets in sorted(graph.items()):
        mine = layer(module)
        for target in sorted(targets):
            theirs = layer(target)
            if mine and theirs and ORDER.index(theirs) > ORDER.index(mine):
                out.append(f"{module} ({mine}) imports {target} ({theirs})")
    return out


def test_every_module_has_a_layer() -> None:
    missing = sorted(m for m in imports() if layer_of(m) is None)
    assert not missing, f"give these modules a layer in LAYERS: {missing}"


def test_imports_go_down_the_layers() -> None:
    found = upward(imports(), layer_of)
    assert not found, "imports that go up a layer:\n" + "\n".join(found)


def test_no_import_cycles() -> None:
    assert not cycles(imports()), f"import cycles: {cycles(imports())}"


def test_the_checks_find_cycles_and_upward_imports() -> None:
    """The checks above can fail: they find what is planted in made-up graphs."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"x": {"y"}, "y": set()}) == []
    layers = {"grammar": "language", "cli": "output", "schema": "records"}
    assert upward({"grammar": {"cli", "schema"}, "cli": {"grammar"}}, layers.get) == [
        "grammar (language) imports cli (output)", "grammar (language) imports schema (records)"]


def test_imports_are_read_as_written() -> None:
    """Relative and `from kb import x` imports name the module, not the package."""
    code = ast.parse("from . import trees\nfrom .errors import DeriveError\n"
                     "from kb import ast\nimport kb.grammar\n")
    assert imported("derive.engine", False, code) == {"derive.trees", "derive.errors", "ast",
                                                      "grammar"}
