"""`make package` builds the model layer (numpy, scipy) for Lambda's platform, under `python/`, the same bytes for the
same wheels, and refuses a function that would not fit Lambda's unzipped limit. pip is faked here (no network)."""
from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra import model_layer

ROOT = Path(__file__).resolve().parents[2]


def fake_pip(command: list[str], check: bool) -> subprocess.CompletedProcess[str]:
    """What `pip install --target` leaves: packages, their metadata, console scripts under bin/."""
    target = Path(command[command.index("--target") + 1])
    for name, text in {"numpy/__init__.py": "version = '2.2.6'\n", "numpy.libs/libopenblas.so": "\0" * 64,
                       "numpy-2.2.6.dist-info/METADATA": "Name: numpy\n", "bin/f2py": "#!/bin/sh\n"}.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text)
    (target / "bin" / "f2py").chmod(0o755)
    return subprocess.CompletedProcess(command, 0)


def test_the_wheels_are_lambdas_whatever_machine_builds_the_layer(tmp_path: Path):
    command = model_layer.pip_command(Path("requirements-model.txt"), tmp_path / "python")
    assert command[command.index("--platform") + 1] == "manylinux2014_x86_64"
    assert command[command.index("--python-version") + 1] == "3.11"
    assert command[command.index("--implementation") + 1] == "cp"
    assert "--only-binary=:all:" in command
    assert command[-2:] == ["-r", "requirements-model.txt"]


def test_the_libraries_land_under_python_and_nothing_else_does(tmp_path: Path):
    out = tmp_path / "dist" / "model-layer.zip"

    model_layer.build(Path("requirements-model.txt"), out, run=fake_pip)

    assert sorted(zipfile.ZipFile(out).namelist()) == [
        "python/numpy-2.2.6.dist-info/METADATA", "python/numpy.libs/libopenblas.so", "python/numpy/__init__.py"]


def test_the_same_wheels_give_the_same_zip_so_an_unchanged_layer_deploys_no_new_version(tmp_path: Path):
    first, second = tmp_path / "1.zip", tmp_path / "2.zip"

    model_layer.build(Path("requirements-model.txt"), first, run=fake_pip)
    model_layer.build(Path("requirements-model.txt"), second, run=fake_pip)

    assert first.read_bytes() == second.read_bytes()


def _zip(path: Path, size: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("python/blob.bin", b"\0" * size)
    return path


def test_the_function_and_its_layer_must_fit_lambdas_unzipped_limit(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch):
    layer, function = _zip(tmp_path / "model-layer.zip", 600_000), _zip(tmp_path / "deployment.zip", 300_000)
    monkeypatch.setattr(model_layer, "UNZIPPED_LIMIT", 1_000_000)
    lines, fits = model_layer.size_report(layer, function)
    assert fits
    assert lines[0].startswith("model-layer.zip: ")
    assert "0.6 MiB unzipped" in lines[0]

    monkeypatch.setattr(model_layer, "UNZIPPED_LIMIT", 899_999)
    assert model_layer.size_report(layer, function)[1] is False


def test_make_package_builds_the_layer_beside_the_template_and_checks_its_size():
    recipe = (ROOT / "Makefile").read_text().split("\npackage:")[1].split("\n\n")[0]
    chalice_line = next(line for line in recipe.splitlines() if "chalice package" in line)
    layer_line = next(line for line in recipe.splitlines() if "infra.model_layer" in line)
    assert chalice_line.rstrip().endswith(" dist")
    assert "requirements-model.txt dist/model-layer.zip --function-zip dist/deployment.zip" in layer_line


def test_the_layer_build_stops_when_pip_fails(tmp_path: Path):
    def failing(command: list[str], check: bool) -> Any:
        raise subprocess.CalledProcessError(1, command)

    with pytest.raises(subprocess.CalledProcessError):
        model_layer.build(Path("requirements-model.txt"), tmp_path / "model-layer.zip", run=failing)
    assert not (tmp_path / "model-layer.zip").exists()
