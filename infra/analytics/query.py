"""Run SQL over a local DynamoDB export with DuckDB, through the same views Athena has.

Run: python -m infra.analytics.query "SELECT * FROM points_by_month ORDER BY 1, 2" [--export DIR]

The views (infra/analytics/sql/*.sql) are created in an in-memory DuckDB over DIR's export files (default
<LOYALTY_DATA_DIR or .local>/analytics-export, which `make analytics-export` writes); the result is printed as a table.
DuckDB reads json.gz with its built-in json extension: nothing is installed or downloaded.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infra.analytics.sql import duckdb_statements


def connect(export_root: Path) -> Any:
    """An in-memory DuckDB with the views over the export under `export_root`."""
    import duckdb

    db = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    for statement in duckdb_statements(export_root):
        db.execute(statement)
    return db


def run(export_root: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    result = connect(export_root).execute(sql)
    return [d[0] for d in result.description], result.fetchall()


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [list(columns), *([("" if v is None else str(v)) for v in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})"


def main(argv: list[str] | None = None) -> int:
    from infra.local.settings import ports_from

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sql", help='e.g. "SELECT * FROM outstanding_points"')
    parser.add_argument("--export", type=Path, default=None, help="folder of the export (default: "
                        "<LOYALTY_DATA_DIR or .local>/analytics-export)")
    args = parser.parse_args(argv)
    root = args.export or ports_from().data_dir / "analytics-export"
    if not any(root.glob("**/*.json.gz")):
        print(f"no export under {root}: run `make analytics-export` (with the local stack running) first",
              file=sys.stderr)
        return 1
    import duckdb

    try:
        columns, rows = run(root, args.sql)
    except duckdb.Error as e:
        print(f"DuckDB: {e}", file=sys.stderr)
        return 2
    print(render(columns, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
