"""The layout's rules that import-linter's contracts (pyproject.toml) do not state: no module
of ours imports another in a circle, and none hides an import of ours inside a function (the
usual way to dodge a circle). The one place such an import belongs is an AppConfig's ready(),
where Django wants apps to connect their signal receivers."""

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "config",
    "clinic",
    "therapists",
    "clients",
    "bookings",
    "notifications",
    "waitlist",
    "treatments",
    "reports",
    "privacy",
    "web",
    "portal",
    "staff",
    "demo",
]


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _ours(name: str | None) -> bool:
    return bool(name) and name.split(".")[0] in APPS


def _function_imports(tree: ast.AST):
    """(line, module) of imports of our modules inside a function other than ready()."""
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef) or func.name == "ready":
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and _ours(node.module):
                yield node.lineno, node.module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if _ours(alias.name):
                        yield node.lineno, alias.name


def test_no_module_of_ours_imports_one_of_ours_inside_a_function():
    found = []
    for path in _modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, module in _function_imports(tree):
            found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert found == []


def test_the_check_sees_an_import_hidden_in_a_function():
    tree = ast.parse(
        "def f():\n    from bookings import services\n\ndef ready():\n    import waitlist\n"
    )
    assert list(_function_imports(tree)) == [(2, "bookings")]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*APPS, cache_dir=None)


def test_no_import_cycle_among_our_modules(graph):
    cycles = set()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            if imported == importer or imported.startswith(f"{importer}."):
                continue  # a package importing its own submodule is no circle
            if importer.startswith(f"{imported}."):
                continue  # a module importing its package's __init__
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.add(" -> ".join([importer, *back]))
    assert sorted(cycles) == []


def test_the_bookings_app_imports_none_of_its_listeners(graph):
    listeners = ["notifications", "waitlist", "treatments", "reports", "privacy", "demo"]
    for module in graph.find_children("bookings") | graph.find_descendants("bookings"):
        imported = graph.find_modules_directly_imported_by(module)
        assert not {m for m in imported if m.split(".")[0] in listeners}, module
