"""`make analytics-export`: the local stack's table as a FULL DynamoDB export, in AWS's layout and format.

Run: python -m infra.analytics.local_export [--out .local/analytics-export]

Scans the running stack's table (DynamoDB Local, or moto's) and writes, replacing the previous local export:

    <out>/AWSDynamoDB/<ExportId>/_started                  empty, as AWS writes it
    <out>/AWSDynamoDB/<ExportId>/manifest-summary.json     one JSON object (itemCount, exportTime, outputFormat, …)
    <out>/AWSDynamoDB/<ExportId>/manifest-files.json       JSON lines: itemCount, md5Checksum, etag, dataFileS3Key
    <out>/AWSDynamoDB/<ExportId>/data/<name>.json.gz       JSON lines, one {"Item": {<DynamoDB JSON>}} per item

then prints the command that runs SQL over it with DuckDB (infra/analytics/query.py). The ExportId is
`<export time, epoch milliseconds, 14 digits>-<8 hex>`, the shape of AWS's.
"""
from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ITEMS_PER_FILE = 5000
LOCAL_EXPORT_DIR = Path(".local") / "analytics-export"


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):          # B and BS values: base64, as DynamoDB JSON has them
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot write {type(value).__name__} in DynamoDB JSON")


def scan_items(client: Any, table_name: str) -> Iterator[dict[str, Any]]:
    """Every item of the table, as DynamoDB JSON (the low-level client's shape)."""
    for page in client.get_paginator("scan").paginate(TableName=table_name, ConsistentRead=True):
        yield from page.get("Items", [])


def export_id(at: datetime, table_arn: str) -> str:
    millis = int(at.timestamp() * 1000)
    return f"{millis:014d}-{hashlib.sha256(f'{table_arn}@{millis}'.encode()).hexdigest()[:8]}"


def _file_name(export: str, number: int) -> str:
    digest = hashlib.sha256(f"{export}/{number}".encode()).digest()
    return base64.b32encode(digest).decode("ascii").lower().rstrip("=")[:26]


def _write_data_file(path: Path, items: list[dict[str, Any]]) -> dict[str, Any]:
    lines = "".join(json.dumps({"Item": item}, default=_json_default, separators=(",", ":")) + "\n"
                    for item in items)
    path.write_bytes(gzip.compress(lines.encode("utf-8"), mtime=0))
    md5 = hashlib.md5(path.read_bytes())     # noqa: S324 - S3's checksum of the object, not a security measure
    return {"itemCount": len(items), "md5Checksum": base64.b64encode(md5.digest()).decode("ascii"),
            "etag": md5.hexdigest()}


def _chunks(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def export_table(client: Any, table_name: str, out: Path, at: datetime) -> Path:
    """Write a FULL export of the table under `out` (replacing any earlier local export); its folder is returned."""
    table = client.describe_table(TableName=table_name)["Table"]
    export = export_id(at, table["TableArn"])
    shutil.rmtree(out / "AWSDynamoDB", ignore_errors=True)
    folder = out / "AWSDynamoDB" / export
    (folder / "data").mkdir(parents=True)
    (folder / "_started").write_bytes(b"")
    files = []
    for number, chunk in enumerate(_chunks(scan_items(client, table_name), ITEMS_PER_FILE)):
        key = f"AWSDynamoDB/{export}/data/{_file_name(export, number)}.json.gz"
        files.append({**_write_data_file(out / key, chunk), "dataFileS3Key": key})
    (folder / "manifest-files.json").write_text("".join(json.dumps(f) + "\n" for f in files), encoding="utf-8")
    summary = {
        "version": "2020-06-30", "exportArn": f"{table['TableArn']}/export/{export}",
        "startTime": _stamp(at), "endTime": _stamp(datetime.now(UTC)), "tableArn": table["TableArn"],
        "tableId": table.get("TableId"), "exportTime": _stamp(at), "s3Bucket": None, "s3Prefix": None,
        "s3SseAlgorithm": "AES256", "s3SseKmsKeyId": None,
        "manifestFilesS3Key": f"AWSDynamoDB/{export}/manifest-files.json",
        "billedSizeBytes": sum((out / f["dataFileS3Key"]).stat().st_size for f in files),
        "itemCount": sum(f["itemCount"] for f in files), "outputFormat": "DYNAMODB_JSON", "exportType": "FULL_EXPORT",
    }
    (folder / "manifest-summary.json").write_text(json.dumps(summary) + "\n", encoding="utf-8")
    return folder


QUERY_HINT = '.venv/bin/python -m infra.analytics.query "SELECT * FROM points_by_month ORDER BY 1, 2"'


def main(argv: list[str] | None = None) -> int:
    import boto3

    from chalicelib.config import load_settings
    from infra.local.settings import STAGE, apply_stage_env, ports_from, require_stack, use_endpoints

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder of the export (default: "
                        "<LOYALTY_DATA_DIR or .local>/analytics-export)")
    args = parser.parse_args(argv)
    ports = ports_from()
    require_stack(ports.aws)
    use_endpoints()
    apply_stage_env(stage=STAGE)
    out = args.out or ports.data_dir / "analytics-export"
    table = load_settings().table_name
    folder = export_table(boto3.client("dynamodb"), table, out, datetime.now(UTC))
    summary = json.loads((folder / "manifest-summary.json").read_text(encoding="utf-8"))
    print(f"Exported {summary['itemCount']} items of {table} to {folder}")
    hint = QUERY_HINT if args.out is None else QUERY_HINT.replace('-m infra.analytics.query',
                                                                  f'-m infra.analytics.query --export {out}')
    print(f"Query it with DuckDB, e.g.:\n  {hint}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
