"""The raw MIME for SES SendRawEmail: multipart/alternative (text, then HTML), UTF-8, 7-bit clean, CRLF.

`List-Unsubscribe` is stored raw and written unfolded: the email package would otherwise fold a long URL into
RFC 2047 encoded words, which mail providers do not read as a link (and DKIM must sign it as sent).
"""
from __future__ import annotations

import re
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses

from chalicelib.domain.addresses import single_address
from chalicelib.domain.messages import Rendered

# SMTP: CRLF line ends. refold_source="none": raw-stored headers (List-Unsubscribe) are written as given.
SMTP = policy.SMTP.clone(refold_source="none")
_MESSAGE_ID = re.compile(r"[A-Za-z0-9._~+=-]{1,200}")
_HEADER_URL = re.compile(r"https?://[\x21-\x7e]{1,900}")


def build_message(rendered: Rendered, *, sender: str, recipient: str, message_id: str, unsubscribe_url: str | None,
                  configuration_set: str | None, reply_to: str | None = None, now: datetime) -> bytes:
    """ValueError for a naive `now`, a sender without a domain, a recipient that is not exactly one address, an odd
    message id or an unusable unsubscribe URL."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"message id {message_id!r} is not usable in a Message-ID header")
    msg = EmailMessage(policy=policy.default)
    msg["From"] = sender
    msg["To"] = one_recipient(recipient)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = f"<{message_id}@{sender_domain(msg)}>"
    if unsubscribe_url is not None:
        if not _HEADER_URL.fullmatch(unsubscribe_url) or "<" in unsubscribe_url or ">" in unsubscribe_url:
            raise ValueError("unsubscribe URL must be an ASCII http(s) URL without spaces or angle brackets")
        msg.set_raw("List-Unsubscribe", f"<{unsubscribe_url}>")
        msg.set_raw("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
    if configuration_set:
        msg["X-SES-CONFIGURATION-SET"] = configuration_set
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    for part in msg.iter_parts():
        del part["MIME-Version"]             # set_content puts one on each part; only the top level needs it
    return msg.as_bytes(policy=SMTP)


def one_recipient(recipient: str) -> Address:
    """The To header's one address, built from a validated addr-spec (a display name is kept), never from raw text."""
    if "\r" in recipient or "\n" in recipient:
        raise ValueError("recipient must not contain a linefeed or carriage return")
    parsed = getaddresses([recipient])
    address = single_address(parsed[0][1]) if len(parsed) == 1 else None
    if address is None:
        raise ValueError("recipient must be exactly one email address")
    return Address(display_name=parsed[0][0], addr_spec=address)


def sender_domain(msg: EmailMessage) -> str:
    addresses = msg["From"].addresses
    if len(addresses) != 1 or not addresses[0].domain:
        raise ValueError(f"sender {str(msg['From'])!r} must be one address with a domain")
    return addresses[0].domain
