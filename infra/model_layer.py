"""Build the Lambda layer of the customer model's libraries (requirements-model.txt: numpy, scipy) for handle_journey.

    python -m infra.model_layer requirements-model.txt dist/model-layer.zip [--function-zip dist/deployment.zip]

The wheels are Lambda's (manylinux2014 x86_64, CPython 3.11), whatever machine builds the layer; they go under
`python/`, which Lambda puts on sys.path from /opt. No bytecode is written (the layer stays smaller and does not
depend on the builder's Python version). The zip is byte-for-byte the same for the same wheels, so an unchanged layer
uploads to the same key and deploys no new layer version. With --function-zip, the sizes are printed and the build
fails when the function's package and the layer together exceed Lambda's 250 MB unzipped.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

LAMBDA_PLATFORM = ("--platform", "manylinux2014_x86_64", "--python-version", "3.11", "--implementation", "cp",
                   "--only-binary=:all:")
MIB = 1024 * 1024
UNZIPPED_LIMIT = 250 * MIB   # function + layers, unzipped (Lambda's quota: 262,144,000 bytes)
FIXED_TIME = (1980, 1, 1, 0, 0, 0)   # zip entries carry no build time: the same wheels give the same zip


def pip_command(requirements: Path, target: Path) -> list[str]:
    return [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
            "--target", str(target), *LAMBDA_PLATFORM, "-r", str(requirements)]


def write_zip(root: Path, out: Path) -> None:
    """Every file under `root`, by its path relative to it, in a stable order with fixed times."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), FIXED_TIME)
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes(), compresslevel=9)


def build(requirements: Path, out: Path, run: Callable[..., Any] = subprocess.run) -> None:
    with tempfile.TemporaryDirectory(prefix="model-layer-") as tmp:
        site = Path(tmp) / "python"
        run(pip_command(requirements, site), check=True)
        shutil.rmtree(site / "bin", ignore_errors=True)     # console scripts (f2py, numpy-config): nothing runs them
        write_zip(Path(tmp), out)


def unzipped_bytes(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        return sum(info.file_size for info in zf.infolist())


def size_report(layer: Path, function_zip: Path) -> tuple[list[str], bool]:
    """Lines to print, and whether the function with the layer fits Lambda's unzipped limit."""
    def mib(size: int) -> str:
        return f"{size / MIB:.1f} MiB"

    lines, total = [], 0
    for path in (layer, function_zip):
        unzipped = unzipped_bytes(path)
        total += unzipped
        lines.append(f"{path.name}: {mib(path.stat().st_size)} zipped, {mib(unzipped)} unzipped")
    lines.append(f"handle_journey with its layer: {mib(total)} unzipped, of Lambda's {mib(UNZIPPED_LIMIT)}")
    return lines, total <= UNZIPPED_LIMIT


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requirements", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--function-zip", type=Path, help="the functions' package, to check the size limit against")
    args = parser.parse_args(argv)
    build(args.requirements, args.out)
    if args.function_zip is None:
        return 0
    lines, fits = size_report(args.out, args.function_zip)
    print("\n".join(lines))
    if not fits:
        print("ERROR: over Lambda's limit for a function with its layers", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
