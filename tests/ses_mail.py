"""The mail moto's SES received in a test, parsed."""
import email
import email.policy

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends


def sent_mails(subject_part=""):
    """Every raw mail sent whose subject holds `subject_part`, as email.message.EmailMessage, oldest first."""
    found = []
    for raw in ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages:
        if hasattr(raw, "raw_data"):
            data = raw.raw_data.encode() if isinstance(raw.raw_data, str) else raw.raw_data
            parsed = email.message_from_bytes(data, policy=email.policy.default)
            if subject_part in parsed["Subject"]:
                found.append(parsed)
    return found
