"""The one Powertools logger; modules use `Logger(child=True)` or this object directly."""
from aws_lambda_powertools import Logger

logger = Logger(service="loyalty")
