"""SesMailer: our own MIME through SES SendRawEmail (v1), errors mapped to the domain's.

Every mail carries SES message tags naming its program and kind, and a dispatched message's member and id
(chalicelib/adapters/ses_tags.py): the configuration set's event publishing hands them back in bounce, complaint,
delivery and open events (`mail.tags`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.adapters.ses_tags import ses_tags
from chalicelib.domain.addresses import single_address
from chalicelib.domain.errors import MailRejected, MailUnavailable

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient

PERMANENT = {"MessageRejected", "MailFromDomainNotVerifiedException", "ConfigurationSetDoesNotExistException",
             "InvalidParameterValue"}


class SesMailer:
    def __init__(self, client: SESClient) -> None:
        self.client = client

    def send_raw(self, raw: bytes, sender: str, recipient: str, configuration_set: str | None, *,
                 program_id: str, kind: str, member_id: str | None = None, message_id: str | None = None) -> str:
        """MailRejected unless `recipient` is exactly one plain address: SES gets that one destination only."""
        if single_address(recipient) is None:
            raise MailRejected("invalid recipient address")
        request: dict[str, Any] = {"Source": sender, "Destinations": [recipient], "RawMessage": {"Data": raw},
                                   "Tags": ses_tags(program_id, kind, member_id, message_id)}
        if configuration_set:
            request["ConfigurationSetName"] = configuration_set
        try:
            return self.client.send_raw_email(**request)["MessageId"]
        except ClientError as e:
            code = e.response["Error"]["Code"]
            error = MailRejected if code in PERMANENT else MailUnavailable
            raise error(f"SES refused the message: {code}") from e
