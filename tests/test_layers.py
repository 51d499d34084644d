"""The apps are layers and imports point down only (DESIGN.md section 3, docs/architecture.md).

The test reads every module of the project with `ast`, imports inside functions included, and
fails on an import that goes up a layer, across the top apps, or into another app's faces
(`api`, `views`), and on any circle between modules, inside an app too. Only the composition
root (config/urls.py) and the demo app, above everything, may compose across layers.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first; apps on one level may not import each other (except "config", the ground).
LAYERS: dict[str, float] = {
    "config": 0,
    # The audit trail records every model through signals, so it stands on the ground.
    "audit": 0.5,
    "accounts": 1,
    "inspections": 2,
    "findings": 3,
    "rectification": 4,
    # Urge notices, supervision groups, the look-back and the evaluation, over measures.
    "supervision": 5,
    # The ladder and the sweep remind of measures, urge notices and reports; they know Celery.
    "reminders": 6,
    "dashboard": 7,
    "documents": 7,
    # The demo data, the generator and the benchmark compose every layer; nothing imports them.
    "demo": 8,
}
COMPOSITION_ROOTS = {"config.urls"}
COMPOSING_APPS = {"demo"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # the imported module, dotted and absolute
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def type_only(tree: ast.AST) -> set[int]:
    """The import statements under `if TYPE_CHECKING:`: read by the type checker, never run."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            skipped |= {id(inner) for stmt in node.body for inner in ast.walk(stmt)}
    return skipped


def imports_of(
    module: str, source: str, *, is_package: bool = False, runtime_only: bool = False
) -> list[Import]:
    """Every import of `source`; with `runtime_only`, not those the type checker alone reads."""
    found = []
    package = module if is_package else module.rpartition(".")[0]
    tree = ast.parse(source)
    skipped = type_only(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # `from . import api` imports the module `api`; name it so the faces rule sees it.
            found += [Import(module, f"{target}.{alias.name}", node.lineno) for alias in node.names]
    return found


def is_face(dotted: str) -> bool:
    """An app's `api` and `views` modules (and their `*_api` / `views_*` siblings)."""
    parts = dotted.split(".")
    return any(
        p in ("api", "views") or p.endswith("_api") or p.startswith("views_") for p in parts[1:]
    )


def violation(imp: Import) -> str | None:
    source_app, target_app = imp.module.split(".")[0], imp.target.split(".")[0]
    if target_app not in LAYERS or source_app not in LAYERS:
        return None  # the standard library, Django, third parties, tests
    composes = imp.module in COMPOSITION_ROOTS or source_app in COMPOSING_APPS
    if composes and (target_app not in COMPOSING_APPS or source_app == target_app):
        return None
    if source_app == target_app:
        return None
    where = f"{imp.module}:{imp.line} imports {imp.target}"
    if LAYERS[target_app] > LAYERS[source_app]:
        return f"{where}: {target_app} is above {source_app}"
    if LAYERS[target_app] == LAYERS[source_app]:
        return f"{where}: the top apps do not import each other"
    # config's API pieces (pagination, permissions, errors) are the ground every face stands on.
    if target_app != "config" and is_face(imp.target):
        return f"{where}: another app's api or views are faces, not libraries"
    return None


def project_modules() -> list[tuple[str, Path]]:
    modules = []
    for app in LAYERS:
        folder = ROOT / app
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            modules.append((module_name(path), path))
    return modules


def module_graph(sources: dict[str, str], packages: set[str]) -> dict[str, set[str]]:
    """Which project module imports which: `from a import b` reaches the module `a.b` when
    there is one, else the module (or package) `a`."""
    graph: dict[str, set[str]] = {name: set() for name in sources}
    for name, source in sources.items():
        for imp in imports_of(name, source, is_package=name in packages, runtime_only=True):
            target = imp.target
            while target and target not in sources:
                target = target.rpartition(".")[0]
            if target and target != name:
                graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_two_modules_import_each_other() -> None:
    modules = project_modules()
    sources = {name: path.read_text() for name, path in modules}
    packages = {name for name, path in modules if path.name == "__init__.py"}
    graph = module_graph(sources, packages)
    assert sum(len(targets) for targets in graph.values()) > 100  # the walk sees the imports
    assert circles(graph) == []


def test_the_circle_walk_catches_a_circle() -> None:
    sources = {
        "supervision.urges": "from . import lookback",
        "supervision.lookback": "def f():\n    from .evaluation import x",
        "supervision.evaluation": "from supervision import urges",
        "supervision.models": "from rectification.models import Measure",
        "rectification.models": "if TYPE_CHECKING:\n    from supervision.models import X",
    }
    assert circles(module_graph(sources, set())) == [
        ["supervision.evaluation", "supervision.lookback", "supervision.urges"]
    ]
    del sources["supervision.evaluation"]
    assert circles(module_graph(sources, set())) == []


def test_every_app_of_the_layout_is_listed() -> None:
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps <= set(LAYERS), f"Give these apps a layer: {sorted(apps - set(LAYERS))}"


def test_imports_point_down_the_layers() -> None:
    modules = project_modules()
    assert len(modules) > 40  # the walk really reads the project
    problems = [
        message
        for name, path in modules
        for imp in imports_of(name, path.read_text(), is_package=path.name == "__init__.py")
        if (message := violation(imp))
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("inspections.selectors", "from rectification.models import Measure", "is above"),
        ("findings.services", "def f():\n    from rectification import services", "is above"),
        ("findings.selectors", "from ..rectification import models", "is above"),
        ("documents.ledger", "from dashboard import selectors", "each other"),
        ("rectification.views", "from findings.api import ProblemSerializer", "faces"),
        ("rectification.views", "from findings import views", "faces"),
        ("documents.views", "from reminders.api import NotificationViewSet", "faces"),
        ("rectification.selectors", "from supervision.models import UrgeNotice", "is above"),
        ("supervision.urges", "from reminders import services", "is above"),
        ("reminders.services", "from documents.ledger import x", "is above"),
        ("inspections.management.commands.x", "from rectification.models import Measure", "above"),
        ("dashboard.selectors", "from demo.management.commands import load_demo", "is above"),
        ("config.urls", "from demo.management.commands import load_demo", "is above"),
    ],
)
def test_the_walk_catches_a_broken_layer(module: str, source: str, expected: str) -> None:
    found = [v for imp in imports_of(module, source) if (v := violation(imp))]
    assert len(found) == 1 and expected in found[0]


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("rectification.selectors", "from findings.selectors import problems_visible_to"),
        ("rectification.views", "from . import services\nfrom .filters import MeasureFilter"),
        ("rectification.api", "from .selectors import measures_visible_to"),
        ("config.urls", "from documents.urls import urlpatterns"),
        ("demo.management.commands.load_demo", "from rectification.models import Measure"),
        ("demo.management.commands.benchmark", "from dashboard.api import SummaryView"),
        ("reminders.services", "from supervision.models import UrgeNotice"),
        ("supervision.urges", "from rectification import services"),
        ("accounts.selectors", "from django.db.models import Q"),
    ],
)
def test_the_walk_lets_downward_imports_pass(module: str, source: str) -> None:
    assert [v for imp in imports_of(module, source) if (v := violation(imp))] == []
