"""The analytics SQL, one source for Athena (Trino) and DuckDB.

The views (`sql/*.sql`) are written once, in the SQL both engines share: struct field access (`image.points.N`),
CAST, COALESCE, NULLIF, CASE, substr, split_part, regexp_extract, a window function and a CROSS JOIN. Only the
relation at the bottom differs, `dynamodb_export` (every line of every export, with the file it came from):

    Athena  a view over the Glue table `dynamodb_export_files` (OpenX JSON SerDe over the export prefix) + "$path"
    DuckDB  read_json over the local export's data files, with the same typed columns, + filename

The columns are typed here once (SCHEMA): the Glue table's columns in infra/template.yaml and DuckDB's `columns=`
are both rendered from it (`python -m infra.analytics.template` rewrites the template's block; a test checks it).
Only the attributes the views read are declared: the rest of an item is ignored by both readers.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Union

SQL_DIR = Path(__file__).resolve().parent / "sql"

# An attribute's DynamoDB JSON: {"S": ...}, {"N": ...}, {"BOOL": ...} or {"M": {nested attributes}}.
Attribute = Union[str, "Mapping[str, Attribute]"]
S, N, BOOL = "S", "N", "BOOL"
MONEY: Mapping[str, Attribute] = {"amount": S, "currency": S}
ATTRIBUTES: Mapping[str, Attribute] = {
    # keys and kinds
    "PK": S, "SK": S, "type": S, "program_id": S, "member_id": S, "kind": S,
    # ledger entries
    "entry_id": S, "business_key": S, "points": N, "pending_points": N, "lifetime_points": N,
    "occurred_at": S, "recorded_at": S, "base_amount": S, "base_currency": S, "rule_version": S,
    # orders
    "shop": S, "order_id": S, "order_name": S, "paid_at": S, "cancelled_at": S, "reviewed_at": S,
    "released": BOOL, "reversed_points": N, "expired": N,
    "award": {"points": N, "base": MONEY, "rule_version": S, "release_at": S},
    # member profiles (email and first_name: members_contact only)
    "tier": S, "points_balance": N, "entry_count": N, "created_at": S, "last_activity_at": S, "tier_since": S,
    "journey_stage": S, "email_consent": S, "hard_bounced": BOOL, "complained": BOOL, "erased_at": S,
    "merged_into": S, "email": S, "first_name": S,
    # messages
    "message_id": S, "category": S, "status": S, "due_at": S, "sent_at": S, "delivered_at": S, "opened_at": S,
    "attempts": N,
    # surveys
    "survey_id": S, "trigger": S, "stage": S, "segment": S, "score": N, "sentiment": N, "answered_at": S,
    "first_answered_at": S,
}
KEYS: Mapping[str, Attribute] = {"PK": S, "SK": S}
METADATA: Mapping[str, Attribute] = {"WriteTimestampMicros": N}
# One line of an export: {"Item"} in a full export; {"Metadata", "Keys", "NewImage"[, "OldImage"]} in an incremental.
SCHEMA: Mapping[str, Mapping[str, Attribute]] = {"Item": ATTRIBUTES, "Keys": KEYS, "NewImage": ATTRIBUTES,
                                                 "Metadata": METADATA}

# In dependency order: each view reads only the ones before it.
VIEWS = ("items", "ledger_entries", "orders", "members", "members_contact", "messages", "feedback",
         "points_by_month", "outstanding_points", "repeat_customers_by_cohort")
WORKED_QUERIES = ("points_by_month", "outstanding_points", "repeat_customers_by_cohort")
PERSONAL = ("members_contact",)

GLUE_TABLE = "dynamodb_export_files"
EXPORT_PREFIX = "exports"


def _hive_value(kind: str) -> str:
    return {"S": "string", "N": "string", "BOOL": "boolean"}[kind]


def hive_type(attributes: Mapping[str, Attribute]) -> str:
    """A struct of attributes as a Glue (Hive) type. Names are lowercase: Athena's are, and the OpenX SerDe matches
    the JSON's keys without regard to case."""
    fields = []
    for name, kind in attributes.items():
        inner = f"struct<m:{hive_type(kind)}>" if not isinstance(kind, str) else f"struct<{kind.lower()}:" \
                                                                                   f"{_hive_value(kind)}>"
        fields.append(f"{name.lower()}:{inner}")
    return f"struct<{','.join(fields)}>"


def _duckdb_value(kind: str) -> str:
    return {"S": "VARCHAR", "N": "VARCHAR", "BOOL": "BOOLEAN"}[kind]


def duckdb_type(attributes: Mapping[str, Attribute]) -> str:
    """The same struct as a DuckDB type (names as DynamoDB spells them)."""
    fields = []
    for name, kind in attributes.items():
        inner = (f"STRUCT(M {duckdb_type(kind)})" if not isinstance(kind, str)
                 else f"STRUCT({kind} {_duckdb_value(kind)})")
        fields.append(f'"{name}" {inner}')
    return f"STRUCT({', '.join(fields)})"


def glue_columns() -> list[dict[str, str]]:
    return [{"Name": name.lower(), "Type": hive_type(attributes)} for name, attributes in SCHEMA.items()]


def body(view: str) -> str:
    """A view's SELECT, its leading comment lines kept (Athena and DuckDB both accept them)."""
    return (SQL_DIR / f"{view}.sql").read_text(encoding="utf-8").strip()


def create_view(view: str) -> str:
    return f"CREATE OR REPLACE VIEW {view} AS\n{body(view)}"


ATHENA_SOURCE = f'SELECT Item, Keys, NewImage, Metadata, "$path" AS source_file FROM {GLUE_TABLE}'  # noqa: S608


def athena_statements() -> list[tuple[str, str]]:
    """(view name, statement) in the order an analyst runs them once in Athena (the worked queries are views too)."""
    return [("dynamodb_export", f"CREATE OR REPLACE VIEW dynamodb_export AS\n{ATHENA_SOURCE}"),
            *((view, create_view(view)) for view in VIEWS)]


def duckdb_source(export_root: Path) -> str:
    """Every export line under a local export folder (a FULL export as AWS writes it, and any incrementals)."""
    columns = ", ".join(f"'{name}': '{duckdb_type(attributes)}'" for name, attributes in SCHEMA.items())
    pattern = str(export_root / "**" / "*.json.gz").replace("'", "''")
    return (f"SELECT Item, Keys, NewImage, Metadata, filename AS source_file FROM read_json('{pattern}', "  # noqa: S608
            f"format = 'newline_delimited', filename = true, columns = {{{columns}}})")


def duckdb_statements(export_root: Path) -> list[str]:
    return [f"CREATE OR REPLACE VIEW dynamodb_export AS\n{duckdb_source(export_root)}",
            *(create_view(view) for view in VIEWS)]
