"""Every API call a client makes, seen through botocore's event hooks (nothing in the app changes).

One `Call` per API call (`before-call`), with the parameters the code passed (`before-parameter-build`), the
outcome (`after-call`) and the HTTP attempts botocore made for it, retries included (`request-created`).
With `ask_capacity`, calls that accept it also ask for ReturnConsumedCapacity=INDEXES (a cross-check only).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    operation: str
    params: dict[str, Any]
    ok: bool = False
    response: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0

    @property
    def error_code(self) -> str | None:
        return None if self.ok else str(self.response.get("Error", {}).get("Code", "unknown"))


class Recorder:
    """Attach to one client; `take()` returns the calls made since the last `take()`."""

    def __init__(self, client: Any, ask_capacity: bool = False) -> None:
        self.client = client
        self.calls: list[Call] = []
        self.ask_capacity = ask_capacity
        events = client.meta.events
        service = client.meta.service_model.service_id.hyphenize()  # dynamodb, sqs, secrets-manager, ...
        events.register(f"before-parameter-build.{service}", self._params)
        events.register(f"before-call.{service}", self._before_call)
        events.register(f"request-created.{service}", self._attempt)
        events.register(f"after-call.{service}", self._after_call)

    def take(self) -> list[Call]:
        calls, self.calls = self.calls, []
        return calls

    def _params(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        context["bench_params"] = params  # botocore's per-call dict of the caller's keyword arguments
        if self.ask_capacity and "ReturnConsumedCapacity" in model.input_shape.members:
            params.setdefault("ReturnConsumedCapacity", "INDEXES")

    def _before_call(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        call = Call(model.name, context.get("bench_params", {}))
        context["bench_call"] = call
        self.calls.append(call)

    def _attempt(self, **_: Any) -> None:
        if self.calls:
            self.calls[-1].attempts += 1

    def _after_call(self, http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        call = context.get("bench_call")
        if call is not None:
            call.ok = http_response.status_code < 300
            call.response = parsed
