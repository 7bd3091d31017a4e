"""The layering the code relies on: a pure domain, adapters as the only users of boto3, a wiring-only app.py."""
import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "chalicelib" / "domain").glob("*.py")), ids=lambda p: p.name)
def test_domain_modules_import_only_the_standard_library_and_the_domain(path):
    for name in imported_modules(path):
        top = name.split(".")[0]
        assert top in sys.stdlib_module_names or name.startswith("chalicelib.domain"), f"{path.name}: {name}"


@pytest.mark.parametrize("path", sorted((ROOT / "chalicelib").rglob("*.py")), ids=lambda p: p.name)
def test_only_adapters_and_the_composition_root_touch_boto3(path):
    if path.parent.name == "adapters" or path.name == "bootstrap.py":
        return
    assert not {n for n in imported_modules(path) if n.split(".")[0] in {"boto3", "botocore"}}, path


# The layers a module may import from chalicelib: the domain at the centre, services (and the ports they own) around
# it, and at the edge adapters (the messaging package is the Composer port's Jinja2 adapter), web and jobs, which
# reach adapters only through the composition root's getters. app.py and bootstrap.py wire everything together.
ALL_LAYERS = frozenset({"domain", "ports", "services", "adapters", "messaging", "web", "jobs", "bootstrap", "app",
                        "config", "observability"})
MAY_IMPORT: dict[str, frozenset[str]] = {
    "domain": frozenset({"domain"}),
    "ports": frozenset({"domain", "ports"}),
    "services": frozenset({"domain", "ports", "services", "observability"}),
    "adapters": frozenset({"domain", "ports", "adapters", "observability"}),
    "messaging": frozenset({"domain", "ports", "messaging"}),
    "web": frozenset({"domain", "ports", "services", "web", "bootstrap", "observability"}),
    "jobs": frozenset({"domain", "ports", "services", "jobs", "bootstrap", "observability", "config"}),
    "observability": frozenset({"domain", "ports", "config", "observability"}),
    "config": frozenset(),
    "__init__": frozenset(),
    "bootstrap": ALL_LAYERS,
    "app": ALL_LAYERS,
}
MODULES = sorted([*(ROOT / "chalicelib").rglob("*.py"), ROOT / "app.py"])


def layer_of(module: str) -> str:
    """`chalicelib.services.ports.ledger` → ports, `chalicelib.web.admin` → web, `chalicelib.bootstrap` → bootstrap."""
    parts = module.split(".")
    if parts[0] == "app":
        return "app"
    if parts[1:3] == ["services", "ports"]:
        return "ports"
    return parts[1] if len(parts) > 1 else "__init__"


def chalicelib_imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, module) of every chalicelib module the file imports, also inside functions and TYPE_CHECKING blocks;
    `from chalicelib.x import y` counts as chalicelib.x.y (y may be a module), relative imports resolved."""
    package = list(path.relative_to(root).with_suffix("").parts)[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[:len(package) - node.level + 1], *filter(None, [node.module])])
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return sorted((line, name) for line, name in found if name.split(".")[0] == "chalicelib")


def layer_violations(path: Path, root: Path = ROOT) -> list[str]:
    """Imports of a layer the module's own layer may not use (MAY_IMPORT)."""
    name = path.relative_to(root).as_posix()
    layer = layer_of(name.removesuffix(".py").replace("/", "."))
    return [f"{name}:{line} imports {module} ({layer} may not import {layer_of(module)})"
            for line, module in chalicelib_imports(path, root)
            if layer_of(module) not in MAY_IMPORT[layer]]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_layers_import_only_the_layers_they_may(path):
    assert layer_violations(path) == []


def test_the_layer_check_finds_a_planted_violation(tmp_path):
    sample = tmp_path / "chalicelib" / "services" / "sample.py"
    sample.parent.mkdir(parents=True)
    sample.write_text("from chalicelib.domain.orders import Order\nfrom chalicelib.services.ports import ledger\n"
                      "from chalicelib.adapters import shopify_events\n"
                      "def late():\n    from chalicelib import bootstrap\n"
                      "from ..web.errors import status_for\n")
    assert layer_violations(sample, tmp_path) == [
        "chalicelib/services/sample.py:3 imports chalicelib.adapters.shopify_events (services may not import adapters)",
        "chalicelib/services/sample.py:5 imports chalicelib.bootstrap (services may not import bootstrap)",
        "chalicelib/services/sample.py:6 imports chalicelib.web.errors.status_for (services may not import web)",
    ]


def test_app_py_only_wires():
    source = (ROOT / "app.py").read_text()
    tree = ast.parse(source)
    assert not [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    assert len(source.splitlines()) <= 40


WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
              ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime")}


def wall_clock_reads(path: Path) -> list[str]:
    """Calls such as datetime.now() or time.time(): the machine's clock, read directly."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if (name, node.func.attr) in WALL_CLOCK:
                found.append(f"{path.name}:{node.lineno} {name}.{node.func.attr}()")
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "chalicelib").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_business_time_comes_from_events_or_the_injected_clock_never_the_machine(path):
    if path.relative_to(ROOT).as_posix() == "chalicelib/adapters/clock.py":
        return
    assert wall_clock_reads(path) == []


def test_the_wall_clock_check_finds_a_direct_read(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import datetime as dt\nfrom datetime import datetime\nx = datetime.now()\ny = dt.date.today()\n")
    assert wall_clock_reads(sample) == ["sample.py:3 datetime.now()", "sample.py:4 date.today()"]
