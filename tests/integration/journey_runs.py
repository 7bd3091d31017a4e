"""The nightly journey run in the integration tests: the scheduled start, then every task on the journey queue
applied through `handle_journey` until the queue is empty (on moto nothing consumes it by itself)."""
JOURNEY = "loyalty-local-journey"


def run_journey(client, aws, at):
    """Start the run as of `at` and apply its tasks; returns the number of tasks applied."""
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=[])
    event["time"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    client.lambda_.invoke("journey", event)
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=JOURNEY)["QueueUrl"]
    applied = 0
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", []):
        [message] = messages
        sqs_event = client.events.generate_sqs_event(message_bodies=[message["Body"]], queue_name=JOURNEY)
        client.lambda_.invoke("handle_journey", sqs_event)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        applied += 1
        assert applied < 10_000, "the run does not end"
    return applied

