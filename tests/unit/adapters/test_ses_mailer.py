"""SesMailer tags every mail with its program and kind; values SES would refuse are encoded, never sent raw."""
import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.adapters.ses_mailer import SesMailer
from chalicelib.adapters.ses_tags import MAX_VALUE, decode_value, encode_value, ses_tags


def sent_request(program_id, kind="review_request", configuration_set="loyalty-local"):
    client = boto3.client("ses", region_name="eu-west-1")
    seen = {}
    with Stubber(client) as stub:
        stub.add_response("send_raw_email", {"MessageId": "ses-1"})
        client.meta.events.register("provide-client-params.ses.SendRawEmail",
                                    lambda params, **_: seen.update(params))
        assert SesMailer(client).send_raw(b"raw", "rewards@demo.example", "ada@example.com", configuration_set,
                                          program_id=program_id, kind=kind) == "ses-1"
    return seen


def test_the_mail_is_tagged_with_its_program_and_kind():
    request = sent_request("demo")
    assert request["Tags"] == [{"Name": "loyalty-program", "Value": "demo"},
                               {"Name": "loyalty-kind", "Value": "review_request"}]
    assert request["ConfigurationSetName"] == "loyalty-local"


@pytest.mark.parametrize("program_id", ["demo.shop", "café", "a b", "shop/eu", "b64_demo", "x" * 100 + "."])
def test_program_ids_ses_would_refuse_are_encoded_and_decode_back(program_id):
    [program, _] = sent_request(program_id)["Tags"]
    assert program["Name"] == "loyalty-program"
    value = program["Value"]
    assert len(value) <= MAX_VALUE
    assert all(c.isascii() and (c.isalnum() or c in "_-") for c in value)
    assert decode_value(value) == program_id


@pytest.mark.parametrize("program_id", ["demo", "demo-shop_2", "x" * 256])
def test_program_ids_that_fit_are_sent_as_they_are(program_id):
    assert encode_value(program_id) == program_id
    assert decode_value(program_id) == program_id


def test_a_value_too_long_even_encoded_is_left_out_rather_than_refused_by_ses():
    assert ses_tags("é" * 200, "welcome") == [{"Name": "loyalty-kind", "Value": "welcome"}]
