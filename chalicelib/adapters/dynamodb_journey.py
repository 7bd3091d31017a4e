"""The nightly journey run's items: its progress, the program's fitted model, each member's result; and the member
shards it walks. Summary files live in the stack's bucket under `journey/` (gzip CSV, expired with the bucket's rule),
and so do the rows the apply tasks collect for the HubSpot lists (services/segment_lists.py).

    run        PK=P#<program>#JOURNEY  SK=RUN#<as_of>     shards, done_<phase> (set of shards), <phase>_complete,
                                                          counts (built-in segment → members, added per shard)
                                                          lists_selected (the segments the run collects for)
    model      PK=P#<program>#JOURNEY  SK=MODEL#<as_of>   the fit, RFM breakpoints, median gap; SK=MODEL: the latest
    member     the profile's rfm, prediction, evaluated_at and journey attributes; a journey_changed event item
"""
from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import NULL, from_attributes, item_key, to_attributes, when
from chalicelib.adapters.dynamodb_codec import (
    journey_attributes,
    member_from_item,
    prediction_attribute,
    rfm_attribute,
    stage_entries,
)
from chalicelib.adapters.dynamodb_conditions import applied, batch_get, cancellation
from chalicelib.adapters.dynamodb_members import crm_sync_mark, journey_event_item
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.services.ports.crm_lists import ListRow
from chalicelib.services.ports.customer_model import FittedModels, PurchaseModel, SpendModel
from chalicelib.services.ports.journey import MemberPage, MemberResult, ProgramModel, SummaryRow

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

ROW_FIELDS = ("member_id", "x", "t_x_days", "age_days", "zbar", "total")
COUNTS_PER_UPDATE = 50         # "counts.#n49 = if_not_exists(counts.#n49, :zero) + :v49, " is 56 characters
LIST_ROW_FIELDS = ("segment", "member_id", "contact_id")


def journey_pk(program_id: str) -> str:
    return f"P#{program_id}#JOURNEY"


def _stamp(as_of: datetime) -> str:
    return as_of.astimezone(UTC).isoformat()


class DynamoDBMemberShards:
    """A program's profiles, shard by shard, through the keys-only `Members` index and eventually consistent batch
    reads (half a read unit per profile up to 4 KB)."""

    shards = keys.MEMBER_SHARDS

    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def page(self, program_id: str, shard: int, after: str | None, limit: int) -> MemberPage:
        request: dict[str, Any] = {
            "TableName": self.table, "IndexName": "Members", "Limit": limit,
            "KeyConditionExpression": "MEMBERPK = :pk" + (" AND MEMBERSK > :after" if after else ""),
            "ExpressionAttributeValues": to_attributes({":pk": keys.members_partition(program_id, shard),
                                                        ":after": after}),
        }
        response = self.client.query(**request)
        ids = [from_attributes(i)["MEMBERSK"] for i in response.get("Items", [])]
        wanted = [item_key(keys.member_pk(program_id, m), keys.PROFILE) for m in ids]
        found = batch_get(self.client, self.table, wanted, ConcurrentChange("member reads are throttled"),
                          consistent=False) if wanted else []
        members = sorted((member_from_item(i) for i in found), key=lambda m: m.member_id)
        more = "LastEvaluatedKey" in response and bool(ids)
        return MemberPage(members, ids[-1] if more else None)


class DynamoDBJourneyStore:
    def __init__(self, table_name: str, client: DynamoDBClient, s3: S3Client, bucket: Callable[[], str]) -> None:
        self.table = table_name
        self.client = client
        self.s3 = s3
        self._bucket = bucket

    def begin(self, program_id: str, as_of: datetime, shards: int) -> bool:
        return applied(self.client.put_item, TableName=self.table, ConditionExpression="attribute_not_exists(PK)",
                       Item=to_attributes({"PK": journey_pk(program_id), "SK": f"RUN#{_stamp(as_of)}",
                                           "as_of": as_of, "shards": shards, "counts": {}}))

    def shard_done(self, program_id: str, as_of: datetime, phase: str, shard: int) -> bool:
        key = item_key(journey_pk(program_id), f"RUN#{_stamp(as_of)}")
        response = self.client.update_item(
            TableName=self.table, Key=key, UpdateExpression=f"ADD done_{phase} :shard", ReturnValues="ALL_NEW",
            ExpressionAttributeValues=to_attributes({":shard": {str(shard)}}))
        run = from_attributes(response["Attributes"])
        if len(run[f"done_{phase}"]) < int(run["shards"]):
            return False
        return applied(self.client.update_item, TableName=self.table, Key=key,
                       UpdateExpression=f"SET {phase}_complete = :at",
                       ConditionExpression=f"attribute_not_exists({phase}_complete)",
                       ExpressionAttributeValues=to_attributes({":at": as_of}))

    def count(self, program_id: str, as_of: datetime, counts: Iterable[tuple[str, int]]) -> None:
        """Add the counts, COUNTS_PER_UPDATE at a time (an update expression is at most 4 KB)."""
        pairs = list(counts)
        for first in range(0, len(pairs), COUNTS_PER_UPDATE):
            chunk = pairs[first:first + COUNTS_PER_UPDATE]
            names = {f"#n{i}": name for i, (name, _) in enumerate(chunk)}
            values = {f":v{i}": n for i, (_, n) in enumerate(chunk)} | {":zero": 0}
            sets = [f"counts.#n{i} = if_not_exists(counts.#n{i}, :zero) + :v{i}" for i in range(len(chunk))]
            self.client.update_item(TableName=self.table,
                                    Key=item_key(journey_pk(program_id), f"RUN#{_stamp(as_of)}"),
                                    UpdateExpression="SET " + ", ".join(sets), ExpressionAttributeNames=names,
                                    ExpressionAttributeValues=to_attributes(values))

    def previous_run(self, program_id: str, before: datetime) -> datetime | None:
        request: dict[str, Any] = {
            "TableName": self.table, "ScanIndexForward": False, "Limit": 10, "ProjectionExpression": "as_of, #done",
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :low AND :high",
            "ExpressionAttributeNames": {"#done": "apply_complete"},
            "ExpressionAttributeValues": to_attributes({":pk": journey_pk(program_id), ":low": "RUN#",
                                                        ":high": f"RUN#{_stamp(before - timedelta(microseconds=1))}"})}
        while True:
            response = self.client.query(**request)
            for item in map(from_attributes, response.get("Items", [])):
                if item.get("apply_complete"):
                    return datetime.fromisoformat(item["as_of"])
            if "LastEvaluatedKey" not in response:
                return None
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def latest_counts(self, program_id: str) -> tuple[datetime, dict[str, int]] | None:
        """The member counts of the latest run whose apply phase completed."""
        response = self.client.query(
            TableName=self.table, ScanIndexForward=False, Limit=10,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :run)",
            ExpressionAttributeValues=to_attributes({":pk": journey_pk(program_id), ":run": "RUN#"}))
        for item in map(from_attributes, response.get("Items", [])):
            if item.get("apply_complete"):
                return datetime.fromisoformat(item["as_of"]), {k: int(v) for k, v in item["counts"].items()}
        return None

    def runs(self, program_id: str, start: datetime, end: datetime) -> list[tuple[datetime, dict[str, int]]]:
        found: list[tuple[datetime, dict[str, int]]] = []
        if end < start:
            return found                # no run (DynamoDB refuses a BETWEEN whose bounds are reversed)
        request: dict[str, Any] = {
            "TableName": self.table, "KeyConditionExpression": "PK = :pk AND SK BETWEEN :low AND :high",
            "ExpressionAttributeValues": to_attributes({":pk": journey_pk(program_id), ":low": f"RUN#{_stamp(start)}",
                                                        ":high": f"RUN#{_stamp(end)}"})}
        while True:
            response = self.client.query(**request)
            found += [(datetime.fromisoformat(item["as_of"]), {k: int(v) for k, v in item["counts"].items()})
                      for item in map(from_attributes, response.get("Items", [])) if item.get("apply_complete")]
            if "LastEvaluatedKey" not in response:
                return found
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def save_rows(self, program_id: str, as_of: datetime, part: str, rows: Sequence[SummaryRow]) -> None:
        self._put_csv(f"{self._prefix(program_id, as_of)}{part}.csv.gz", ROW_FIELDS,
                      ((r.member_id, r.x, r.t_x_days, r.age_days, r.zbar, r.total) for r in rows))

    def rows(self, program_id: str, as_of: datetime) -> Iterator[SummaryRow]:
        for r in self._read_csv(self._prefix(program_id, as_of)):
            yield SummaryRow(r["member_id"], int(r["x"]), int(r["t_x_days"]), int(r["age_days"]), Decimal(r["zbar"]),
                             Decimal(r["total"]))

    def _put_csv(self, key: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows(rows)
        self.s3.put_object(Bucket=self._bucket(), Key=key, Body=gzip.compress(text.getvalue().encode()),
                           ContentType="text/csv", ContentEncoding="gzip")

    def _read_csv(self, prefix: str) -> Iterator[dict[str, str]]:
        """Every row of every gzip CSV file under the prefix."""
        bucket = self._bucket()
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for found in page.get("Contents", []):
                body = self.s3.get_object(Bucket=bucket, Key=found["Key"])["Body"].read()
                yield from csv.DictReader(io.StringIO(gzip.decompress(body).decode()))

    def selected(self, program_id: str, as_of: datetime) -> tuple[str, ...] | None:
        item = self.client.get_item(TableName=self.table, Key=item_key(journey_pk(program_id), f"RUN#{_stamp(as_of)}"),
                                    ConsistentRead=True, ProjectionExpression="lists_selected").get("Item")
        found = from_attributes(item).get("lists_selected") if item else None
        return None if found is None else tuple(found)

    def select(self, program_id: str, as_of: datetime, names: Sequence[str]) -> tuple[str, ...]:
        response = self.client.update_item(
            TableName=self.table, Key=item_key(journey_pk(program_id), f"RUN#{_stamp(as_of)}"),
            UpdateExpression="SET lists_selected = if_not_exists(lists_selected, :names)", ReturnValues="UPDATED_NEW",
            ExpressionAttributeValues=to_attributes({":names": list(names)}))
        return tuple(from_attributes(response["Attributes"])["lists_selected"])

    def save_list_rows(self, program_id: str, as_of: datetime, part: str, rows: Sequence[ListRow]) -> None:
        self._put_csv(f"{self._lists_prefix(program_id, as_of)}{part}.csv.gz", LIST_ROW_FIELDS,
                      ((r.segment, r.member_id, r.contact_id) for r in rows))

    def list_rows(self, program_id: str, as_of: datetime) -> Iterator[ListRow]:
        for r in self._read_csv(self._lists_prefix(program_id, as_of)):
            yield ListRow(r["segment"], r["member_id"], r["contact_id"])

    @staticmethod
    def _lists_prefix(program_id: str, as_of: datetime) -> str:
        """Beside the run's summary files, never under their prefix (the fit reads everything there)."""
        return f"journey/{program_id}/lists/{as_of.astimezone(UTC):%Y%m%dT%H%M%SZ}/"

    def save_model(self, program_id: str, model: ProgramModel) -> None:
        fields = _model_fields(model)
        for sk in (f"MODEL#{_stamp(model.as_of)}", "MODEL"):
            self.client.put_item(TableName=self.table,
                                 Item=to_attributes({"PK": journey_pk(program_id), "SK": sk, **fields}))

    def model(self, program_id: str, as_of: datetime | None = None) -> ProgramModel | None:
        sk = f"MODEL#{_stamp(as_of)}" if as_of else "MODEL"
        item = self.client.get_item(TableName=self.table, Key=item_key(journey_pk(program_id), sk)).get("Item")
        return _model(from_attributes(item)) if item else None

    def record(self, program_id: str, result: MemberResult, now: datetime) -> bool:
        """The member's result, if its profile is still at the version read; stage and state changes also go to the
        timeline, and a move the CRMs show (stage, state, segment) marks the member for the CRM sync, in one
        transaction."""
        values: dict[str, Any] = {":rfm": rfm_attribute(result.rfm) if result.rfm else NULL,
                                  ":prediction": prediction_attribute(result.prediction) if result.prediction else NULL,
                                  ":at": result.evaluated_at}
        sets = ["rfm = :rfm", "prediction = :prediction", "evaluated_at = :at"]
        if result.seen is not None:
            sets.append("journey_seen = :seen")
            values[":seen"] = {"stage": result.seen[0], "state": result.seen[1]}
        if result.changes and result.journey:
            fields = journey_attributes(result.journey) | stage_entries(result.changes)
            sets += [f"{name} = :j_{name}" for name in fields]
            values |= {f":j_{name}": NULL if value is None else value for name, value in fields.items()}
        if result.version_read:
            condition = "version = :version"
            values[":version"] = result.version_read
        else:
            condition = "attribute_exists(PK) AND attribute_not_exists(version)"
        update = {"TableName": self.table, "Key": item_key(keys.member_pk(program_id, result.member_id), keys.PROFILE),
                  "UpdateExpression": "SET " + ", ".join(sets), "ConditionExpression": condition,
                  "ExpressionAttributeValues": to_attributes(values)}
        if not result.changes and not result.crm_moved:
            return applied(self.client.update_item, **update)
        writes: list[dict[str, Any]] = [{"Update": update}]
        if result.changes:
            writes.append({"Put": {"TableName": self.table,
                                   "Item": journey_event_item(program_id, result.member_id, result.changes)}})
        writes.append(crm_sync_mark(self.table, program_id, result.member_id, now))
        return cancellation(self.client, writes) is None

    @staticmethod
    def _prefix(program_id: str, as_of: datetime) -> str:
        return f"journey/{program_id}/{as_of.astimezone(UTC):%Y%m%dT%H%M%SZ}/"


def _model_fields(model: ProgramModel) -> dict[str, Any]:
    fitted = model.models
    return {
        "type": "journey_model", "as_of": model.as_of, "status": model.status, "customers": model.customers,
        "repeat_customers": model.repeat_customers, "reason": model.reason,
        "bg_nbd": {k: Decimal(repr(v)) for k, v in fitted.purchases._asdict().items()} if fitted else None,
        "gamma_gamma": {k: Decimal(repr(v)) for k, v in fitted.spend._asdict().items()} if fitted else None,
        "recency_cuts": list(model.recency_cuts), "frequency_cuts": list(model.frequency_cuts),
        "monetary_cuts": list(model.monetary_cuts),
        "median_gap_days": Decimal(repr(model.median_gap_days)) if model.median_gap_days is not None else None,
        "previous_as_of": model.previous_as_of,
    }


def _model(v: dict[str, Any]) -> ProgramModel:
    models = None
    if v.get("bg_nbd") and v.get("gamma_gamma"):
        models = FittedModels(PurchaseModel(**{k: float(x) for k, x in v["bg_nbd"].items()}),
                              SpendModel(**{k: float(x) for k, x in v["gamma_gamma"].items()}))
    return ProgramModel(
        as_of=datetime.fromisoformat(v["as_of"]), status=v["status"], customers=int(v["customers"]),
        repeat_customers=int(v["repeat_customers"]), models=models, reason=v.get("reason"),
        recency_cuts=tuple(int(c) for c in v["recency_cuts"]),
        frequency_cuts=tuple(int(c) for c in v["frequency_cuts"]),
        monetary_cuts=tuple(Decimal(c) for c in v["monetary_cuts"]),
        median_gap_days=float(v["median_gap_days"]) if v.get("median_gap_days") is not None else None,
        previous_as_of=when(v.get("previous_as_of")))
