"""DynamoDBEngagement: clicks, deliveries and opens of our mail, in the member's partition beside its messages.

    click      PK=P#<program>#M#<member>  SK=EVT#L#<message id>#<link digest>#<h|s>   kind link_clicked, at (the
               first click), last_at, clicks (a counter), url_host, url_path, campaign_id, likely_scanner
    delivered  PK=P#<program>#M#<member>  SK=EVT#D#<message id>   kind mail_delivered, at, message_id, message_kind
    opened     PK=P#<program>#M#<member>  SK=EVT#O#<message id>   kind mail_opened, …
    message    SK=MSG#<message id>: delivered_at / opened_at, set in the transaction that adds its event

A click is one UpdateItem that counts (`ADD clicks`): a link followed a thousand times, by a person or a scanner, is
one item each, so a member's timeline grows with the links of its mail, never with the clicks. A delivery or an open
is recorded once per message (SES sends an open event each time the images load): the message's first time is the
condition of the transaction.
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import item_key, to_attributes
from chalicelib.adapters.dynamodb_conditions import cancellation
from chalicelib.adapters.dynamodb_figures import figure_updates
from chalicelib.adapters.dynamodb_outbox import message_from_item
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.domain.figures import mail_delta
from chalicelib.domain.member_events import (
    LINK_CLICKED,
    MAIL_DELIVERED,
    MAIL_OPENED,
    LinkClicked,
    MailDelivered,
    MailOpened,
)
from chalicelib.domain.messages import Message

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def click_update(table: str, program_id: str, member_id: str, click: LinkClicked) -> dict[str, Any]:
    """The UpdateItem that counts a click on its link's item (made by the first click)."""
    digest = hashlib.sha256(f"{click.url_host}{click.url_path}".encode()).hexdigest()[:16]
    sk = f"EVT#L#{click.message_id}#{digest}#{'s' if click.likely_scanner else 'h'}"
    sets = ["#type = :type", "#kind = :kind", "#at = if_not_exists(#at, :at)", "last_at = :at", "member_id = :member",
            "message_id = :message", "url_host = :host", "url_path = :path", "likely_scanner = :scanner"]
    if click.campaign_id:
        sets.append("campaign_id = :campaign")
    return {"TableName": table, "Key": item_key(keys.member_pk(program_id, member_id), sk),
            "UpdateExpression": "SET " + ", ".join(sets) + " ADD clicks :one",
            "ExpressionAttributeNames": {"#type": "type", "#kind": "kind", "#at": "at"},
            "ExpressionAttributeValues": to_attributes({
                ":type": "event", ":kind": LINK_CLICKED, ":at": click.at, ":member": member_id,
                ":message": click.message_id, ":host": click.url_host, ":path": click.url_path,
                ":scanner": click.likely_scanner, ":campaign": click.campaign_id, ":one": 1})}


def mail_event_writes(table: str, program_id: str, member_id: str,
                      event: MailDelivered | MailOpened) -> list[dict[str, Any]]:
    """The message's first delivered_at / opened_at and the timeline event, together (the message must exist)."""
    delivered = isinstance(event, MailDelivered)
    field, kind, letter = ("delivered_at", MAIL_DELIVERED, "D") if delivered else ("opened_at", MAIL_OPENED, "O")
    pk = keys.member_pk(program_id, member_id)
    figures = figure_updates(table, program_id, member_id,
                             [mail_delta(event.at, "delivered" if delivered else "opened", event.message_kind)]) \
        if event.message_kind else []
    return [
        {"Update": {"TableName": table, "Key": item_key(pk, f"MSG#{event.message_id}"),
                    "UpdateExpression": f"SET {field} = :at",
                    "ConditionExpression": f"attribute_exists(PK) AND attribute_not_exists({field})",
                    "ExpressionAttributeValues": to_attributes({":at": event.at})}},
        {"Put": {"TableName": table, "Item": to_attributes({
            "PK": pk, "SK": f"EVT#{letter}#{event.message_id}", "type": "event", "kind": kind, "at": event.at,
            "member_id": member_id, "message_id": event.message_id, "message_kind": event.message_kind})}},
        *figures,
    ]


class DynamoDBEngagement:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def sent_message(self, program_id: str, member_id: str, message_id: str) -> Message | None:
        item = self.client.get_item(TableName=self.table, Key=item_key(
            keys.member_pk(program_id, member_id), f"MSG#{message_id}")).get("Item")
        return message_from_item(item) if item else None

    def record_click(self, program_id: str, member_id: str, click: LinkClicked) -> None:
        """The click on its link's item; a person's click also counts in the day's mail figures, in one
        transaction."""
        update = click_update(self.table, program_id, member_id, click)
        if click.likely_scanner or not click.message_kind:
            self.client.update_item(**update)
            return
        counted = mail_delta(click.at, "clicked", click.message_kind)
        figures = figure_updates(self.table, program_id, member_id, [counted])
        if cancellation(self.client, [{"Update": update}, *figures]) is not None:
            raise ConcurrentChange("the click's items were busy; try again")

    def record_mail_event(self, program_id: str, member_id: str, event: MailDelivered | MailOpened) -> bool:
        reasons = cancellation(self.client, mail_event_writes(self.table, program_id, member_id, event))
        if reasons and "TransactionConflict" in reasons:
            raise ConcurrentChange("the message changed meanwhile; try again")
        return reasons is None
