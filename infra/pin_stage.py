"""Pin the packaged template's Stage parameter to the Chalice stage it was packaged for.

Chalice writes the stage's queue and table names into the functions; the template names the same
resources from its Stage parameter. Pinning makes a mismatched deploy impossible.

    python -m infra.pin_stage dist/sam.yaml dev
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml


def pin_stage(template: dict, stage: str) -> dict:
    template["Parameters"]["Stage"].update({"Default": stage, "AllowedValues": [stage]})
    template["Parameters"]["Stage"].pop("AllowedPattern", None)
    return template


def main(argv: list[str]) -> int:
    path, stage = Path(argv[0]), argv[1]
    template = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump(pin_stage(template, stage), sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
