"""The local moto server saves every mail SES accepts as <data dir>/mail/<n>.eml, numbering on from what is there."""
from __future__ import annotations

import email
from email.message import EmailMessage
from pathlib import Path

import boto3
import pytest

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(60)]


def _mail_dir(moto_server: tuple[str, Path]) -> Path:
    folder = moto_server[1] / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.eml"):
        old.unlink()
    return folder


def test_raw_and_simple_mail_become_numbered_eml_files(aws_env: str, moto_server: tuple[str, Path]) -> None:
    folder = _mail_dir(moto_server)
    (folder / "7.eml").write_bytes(b"Subject: kept from an earlier run\n\nold\n")
    ses = boto3.client("ses")
    ses.verify_domain_identity(Domain="shop.example")
    raw = EmailMessage()
    raw["From"], raw["To"], raw["Subject"] = "points@shop.example", "jon@example.com", "You earned 70 points"
    raw.set_content("Hello Jon, 70 points are yours.")

    ses.send_raw_email(RawMessage={"Data": bytes(raw)})
    ses.send_email(Source="points@shop.example", Destination={"ToAddresses": ["ann@example.com"]},
                   Message={"Subject": {"Data": "Welcome"}, "Body": {"Text": {"Data": "Welcome, Ann."}}})

    assert sorted(p.name for p in folder.glob("*.eml")) == ["7.eml", "8.eml", "9.eml"]
    first = email.message_from_bytes((folder / "8.eml").read_bytes())
    assert (first["Subject"], first["To"]) == ("You earned 70 points", "jon@example.com")
    second = email.message_from_bytes((folder / "9.eml").read_bytes())
    assert (second["From"], second["To"], second["Subject"]) == ("points@shop.example", "ann@example.com", "Welcome")
    assert "Welcome, Ann." in second.get_payload(decode=True).decode()


def test_each_mail_is_written_once(aws_env: str, moto_server: tuple[str, Path]) -> None:
    folder = _mail_dir(moto_server)
    ses = boto3.client("ses")
    ses.verify_email_identity(EmailAddress="points@shop.example")
    ses.send_email(Source="points@shop.example", Destination={"ToAddresses": ["ann@example.com"]},
                   Message={"Subject": {"Data": "Hi"}, "Body": {"Html": {"Data": "<p>Hi</p>"}}})

    ses.list_identities()
    ses.get_send_quota()

    assert [p.name for p in folder.glob("*.eml")] == ["1.eml"]
    assert email.message_from_bytes((folder / "1.eml").read_bytes()).get_content_type() == "text/html"
