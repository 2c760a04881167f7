"""The apps stand in layers (ARCHITECTURE.md): an app imports only apps below it, never one
above, and no two apps import each other. Every import counts, also one inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

from config.settings.base import PROJECT_APPS

ROOT = Path(__file__).resolve().parents[1]
# Bottom first, from the one list in the settings. config/ wires them together and stands above
# them all: no app imports it (checked below), and lib/ stands below them all.
LAYERS = list(PROJECT_APPS)


def imported_apps(path: Path) -> set[tuple[str, int]]:
    """(app, line) for every import of one of our apps in the module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in LAYERS or top == "config":
                found.add((top, node.lineno))
    return found


def app_modules(app: str) -> list[Path]:
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def test_every_app_is_in_a_layer():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps == set(LAYERS)


def test_no_app_imports_an_app_above_it():
    upward = []
    for level, app in enumerate(LAYERS):
        for path in app_modules(app):
            for other, line in imported_apps(path):
                if other in LAYERS and LAYERS.index(other) > level:
                    upward.append(f"{path.relative_to(ROOT)}:{line} imports {other} (above {app})")
    assert not upward, "\n".join(sorted(upward))


def test_the_app_graph_has_no_cycle():
    graph = {
        app: {
            other
            for p in app_modules(app)
            for other, _ in imported_apps(p)
            if other not in (app, "config")
        }
        for app in LAYERS
    }
    done: set[str] = set()

    def visit(app: str, path: list[str]) -> None:
        assert app not in path, "import cycle: " + " -> ".join([*path, app])
        if app in done:
            return
        for other in sorted(graph[app]):
            visit(other, [*path, app])
        done.add(app)

    for app in LAYERS:
        visit(app, [])


def test_the_check_sees_an_upward_import(tmp_path):
    """The parser finds imports at module level and inside functions (so the tests above can
    fail)."""
    module = tmp_path / "example.py"
    module.write_text(
        "from courses.models import Course\n\ndef f():\n    import enrollments.services\n",
        encoding="utf-8",
    )
    assert {app for app, _ in imported_apps(module)} == {"courses", "enrollments"}


def test_lib_imports_no_app():
    """lib/ is shared machinery below every app (../shared/CONVENTIONS.md): it imports none."""
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {app}"
        for path in (ROOT / "lib").rglob("*.py")
        for app, line in imported_apps(path)
    ]
    assert not found, "\n".join(sorted(found))


def test_no_app_imports_config():
    """config/ stands above every app (settings, URLs, the Celery app): an app that imported it
    would make the whole project one cycle."""
    found = [
        f"{path.relative_to(ROOT)}:{line} imports config"
        for app in LAYERS
        for path in app_modules(app)
        for other, line in imported_apps(path)
        if other == "config"
    ]
    assert not found, "\n".join(sorted(found))


def test_no_test_module_imports_another():
    """Shared test helpers live in factories.py or conftest.py, never in a test module another
    test imports (its tests would run twice, and moving one breaks the other)."""
    found = []
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                last = node.module.split(".")[-1]
                if node.module.startswith("tests.") and last.startswith("test_"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}")
    assert not found, "\n".join(sorted(found))


def test_no_module_imports_a_views_module():
    """Views are leaves: what several pages share (access helpers, messages) lives in an app's
    access.py or in lib/, never in a views module another module imports (urls.py aside)."""
    found = []
    for app in LAYERS:
        for path in app_modules(app):
            if path.name == "urls.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.ImportFrom)
                    and node.module
                    and node.level == 0
                    and node.module.split(".")[-1].endswith("views")
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}")
    assert not found, "\n".join(sorted(found))
