"""Conditional writes: whether DynamoDB applied one, every other error left to raise."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError


def applied(write: Callable[..., Any], **request: Any) -> bool:
    """Run a conditional PutItem / UpdateItem; False when its condition did not hold."""
    try:
        write(**request)
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True
