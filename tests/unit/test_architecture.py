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
