"""The local development stack: DynamoDB Local, moto, durable SQS, the Chalice API and an event pump (`make run`)."""
