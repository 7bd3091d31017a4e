"""The queues of the integration tests: signed webhooks in, queued messages through the app's SQS handlers.

On moto nothing consumes a queue by itself, so a test applies what was queued through `chalice.test.Client`:
`deliver` posts a signed Shopify webhook and `drain`s the ingest queue (every message applied once, none failed,
all deleted); `apply_queued` applies what is visible without deleting it, as SQS may deliver a message again.
"""
import json

from tests.factories import body_of, shopify_headers

INGEST = "loyalty-local-ingest"
INGEST_HANDLER = "handle_ingest"
MAIL_FEEDBACK = "loyalty-local-mail-feedback"
MAIL_FEEDBACK_HANDLER = "handle_mail_feedback"
NO_FAILURES = {"batchItemFailures": []}


def queue_url(aws, queue=INGEST):
    return aws.client("sqs").get_queue_url(QueueName=queue)["QueueUrl"]


def queued(aws, queue=INGEST):
    """Up to 10 messages on `queue`, received with VisibilityTimeout=0: they stay visible, nothing is consumed."""
    return aws.client("sqs").receive_message(QueueUrl=queue_url(aws, queue), MaxNumberOfMessages=10,
                                             VisibilityTimeout=0).get("Messages", [])


def sqs_event(client, messages, queue=INGEST):
    """The Lambda SQS event for `messages`, each record with its message's own id (the generator gives every
    record the same one), so that batch item failures name the message."""
    event = client.events.generate_sqs_event(message_bodies=[m["Body"] for m in messages], queue_name=queue)
    for record, message in zip(event["Records"], messages, strict=True):
        record["messageId"] = message["MessageId"]
    return event


def invoke(client, messages, handler=INGEST_HANDLER, queue=INGEST):
    """The handler's answer (its batch item failures) to one event holding `messages`."""
    return client.lambda_.invoke(handler, sqs_event(client, messages, queue)).payload


def apply_queued(client, aws, queue=INGEST, handler=INGEST_HANDLER):
    """Apply the (up to 10) visible messages of `queue` once and return the handler's answer, asserting nothing.

    The messages are neither consumed nor deleted: the next call applies them again, as SQS delivers at least once.
    """
    return invoke(client, queued(aws, queue), handler, queue)


def drain(client, aws, queue=INGEST, handler=INGEST_HANDLER, *, visibility_timeout=None, require=False):
    """Apply every message on `queue` through `handler`, ten at a time, asserting that none failed, and delete them.

    `visibility_timeout` is passed to ReceiveMessage (None: the queue's own); `require` asserts that at least one
    message was queued. Returns the number of messages applied.
    """
    sqs, url = aws.client("sqs"), queue_url(aws, queue)
    receive = {"QueueUrl": url, "MaxNumberOfMessages": 10}
    if visibility_timeout is not None:
        receive["VisibilityTimeout"] = visibility_timeout
    applied = 0
    while messages := sqs.receive_message(**receive).get("Messages", []):
        assert invoke(client, messages, handler, queue) == NO_FAILURES
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        applied += len(messages)
    assert applied or not require, f"nothing was queued on {queue}"
    return applied


def post_webhook(client, topic, payload, webhook_id, **headers):
    """Post `payload` as a signed Shopify webhook (`headers`: more shopify_headers arguments) and assert 200."""
    body = body_of(payload)
    response = client.http.post("/webhooks/shopify", body=body,
                                headers=shopify_headers(body, topic=topic, webhook_id=webhook_id, **headers))
    assert response.status_code == 200, response.body
    return response


def deliver(client, aws, topic, payload, webhook_id, *, keep=False, visibility_timeout=None, require=False):
    """Post a signed Shopify webhook (asserting 200) and apply what it queued, asserting that nothing failed.

    By default the ingest queue is drained (`drain`, with `visibility_timeout` and `require`); with `keep` the
    visible messages are applied with `apply_queued` and left on the queue, so later deliveries apply them again.
    """
    post_webhook(client, topic, payload, webhook_id)
    if keep:
        assert apply_queued(client, aws) == NO_FAILURES
    else:
        drain(client, aws, visibility_timeout=visibility_timeout, require=require)


def ses_feedback(client, aws, detail_type, detail):
    """An SES notice through EventBridge (the template's rule) into the mail feedback queue, applied by its handler;
    asserts that the rule queued something and that nothing failed."""
    aws.client("events").put_events(Entries=[{"Source": "aws.ses", "DetailType": detail_type,
                                              "Detail": json.dumps(detail)}])
    drain(client, aws, MAIL_FEEDBACK, MAIL_FEEDBACK_HANDLER, require=True)
