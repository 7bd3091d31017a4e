"""The local development stack: moto, DynamoDB Local, chalice local and an event pump (`make run`)."""
