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
