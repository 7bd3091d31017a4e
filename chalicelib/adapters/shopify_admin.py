"""ShopifyAdmin: the Admin GraphQL calls the engine makes (customer metafields and tags, reward discount codes).

The cost throttle is a leaky bucket per app and store: every answer reports what is left
(`extensions.cost.throttleStatus`); before a call that the bucket cannot cover yet, the client waits for it to
refill, and a THROTTLED answer waits and asks again. 5xx and transport failures back off (bounded); 4xx
refusals and GraphQL errors are permanent (ConnectorRejected, with Shopify's error codes only).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import requests

from chalicelib.adapters.outbound_http import DEFAULT_TIMEOUT, Ambiguous, Timeout, backoff, call, json_body, retry_after
from chalicelib.adapters.shopify_discounts import customer_gid, discount_mutation
from chalicelib.domain.errors import ConnectorRejected
from chalicelib.services.ports.connectors import DiscountSpec, MetafieldError, MetafieldWrite
from chalicelib.services.ports.metrics import OUTBOUND_THROTTLED, Metrics

__all__ = ["DiscountSpec", "ShopifyAdmin"]

NAMESPACE = "loyalty"
METAFIELDS_PER_CALL = 25
TYPES = {"number": "number_integer", "decimal": "number_decimal", "text": "single_line_text_field", "date": "date",
         "choice": "single_line_text_field"}
DEFAULT_COST = 50.0            # the estimate before Shopify has told us what a call costs
METAFIELDS = """mutation($set: [MetafieldsSetInput!]!, $delete: [MetafieldIdentifierInput!]!) {
  metafieldsSet(metafields: $set) { userErrors { field message code elementIndex } }
  metafieldsDelete(metafields: $delete) { userErrors { field message } }
}"""
BY_CODE = "query($code: String!) { codeDiscountNodeByCode(code: $code) { id } }"
HANDLES = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { id handle } } }"
TAGS_ADD = """mutation($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } }
}"""
PRODUCTS_PER_CALL = 50


class ShopifyAdmin:
    def __init__(self, base_url: str, access_token: str, api_version: str = "2025-10",
                 session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep,
                 timeout: Timeout = DEFAULT_TIMEOUT, attempts: int = 5,
                 monotonic: Callable[[], float] = time.monotonic, metrics: Metrics | None = None) -> None:
        self.metrics = metrics
        self.url = f"{base_url.rstrip('/')}/admin/api/{api_version}/graphql.json"
        self.session = session or requests.Session()
        self.session.headers.update({"X-Shopify-Access-Token": access_token, "Content-Type": "application/json",
                                     "Accept": "application/json"})
        self.sleep, self.timeout, self.attempts, self.monotonic = sleep, timeout, attempts, monotonic
        self.bucket: dict[str, float] | None = None      # currentlyAvailable, maximumAvailable, restoreRate, seen
        self.costs: dict[str, float] = {}                # requestedQueryCost of each operation, last seen

    def set_metafields(self, metafields: Sequence[MetafieldWrite]) -> list[MetafieldError]:
        """Write (or, for empty values, delete) in calls of at most 25; each call is atomic, so a refusal
        reports every customer of that call."""
        errors: list[MetafieldError] = []
        for start in range(0, len(metafields), METAFIELDS_PER_CALL):
            errors += self._metafields_call(metafields[start:start + METAFIELDS_PER_CALL])
        return errors

    def _metafields_call(self, chunk: Sequence[MetafieldWrite]) -> list[MetafieldError]:
        writes = [m for m in chunk if m.value != ""]
        deletes = [m for m in chunk if m.value == ""]
        data = self.graphql("metafields", METAFIELDS, {
            "set": [{"ownerId": customer_gid(m.customer_id), "namespace": NAMESPACE, "key": m.key,
                     "type": TYPES[m.kind], "value": m.value} for m in writes],
            "delete": [{"ownerId": customer_gid(m.customer_id), "namespace": NAMESPACE, "key": m.key}
                       for m in deletes]})
        found = [(writes, e) for e in (data.get("metafieldsSet") or {}).get("userErrors") or []]
        found += [(deletes, e) for e in (data.get("metafieldsDelete") or {}).get("userErrors") or []]
        customers = list(dict.fromkeys(m.customer_id for m in chunk))
        errors: list[MetafieldError] = []
        for part, error in found:
            index = error.get("elementIndex")
            culprit = part[index] if isinstance(index, int) and 0 <= index < len(part) else None
            code = str(error.get("code") or "INVALID")
            if culprit is not None:
                errors.append(MetafieldError(culprit.customer_id, culprit.key, code, str(error.get("message") or "")))
            errors += [MetafieldError(c, None, code, "refused with the rest of its call") for c in customers
                       if culprit is None or c != culprit.customer_id]
        return _one_per_customer_and_key(errors)

    def product_handles(self, product_ids: Sequence[str]) -> dict[str, str]:
        """Storefront handles by product id (products Shopify does not know are left out)."""
        found: dict[str, str] = {}
        ids = list(dict.fromkeys(product_ids))
        for start in range(0, len(ids), PRODUCTS_PER_CALL):
            chunk = [f"gid://shopify/Product/{pid}" for pid in ids[start:start + PRODUCTS_PER_CALL]]
            for node in self.graphql("product_handles", HANDLES, {"ids": chunk}).get("nodes") or []:
                if isinstance(node, dict) and node.get("handle") and node.get("id"):
                    found[str(node["id"]).rsplit("/", 1)[-1]] = str(node["handle"])
        return found

    def create_discount_code(self, spec: DiscountSpec) -> str:
        """The codeDiscountNode id. A retry after an unseen answer that finds the code taken returns the
        discount the first attempt made; other userErrors raise ConnectorRejected with their messages."""
        operation, query, variables = discount_mutation(spec)
        ambiguous = Ambiguous()
        payload = self.graphql(operation, query, variables, ambiguous)[operation] or {}
        user_errors = payload.get("userErrors") or []
        if not user_errors and payload.get("codeDiscountNode"):
            return str(payload["codeDiscountNode"]["id"])
        if ambiguous.seen and {e.get("code") for e in user_errors} == {"TAKEN"}:
            node = self.graphql("by_code", BY_CODE, {"code": spec.code}).get("codeDiscountNodeByCode")
            if node:
                return str(node["id"])
        messages = "; ".join(str(e.get("message")) for e in user_errors) or "no discount was created"
        raise ConnectorRejected(f"Shopify refused the discount code: {messages}")

    def add_customer_tags(self, customer_id: str, tags: Sequence[str]) -> None:
        """`tagsAdd` on the customer: Shopify keeps the tags it has and ignores one it has already, so a retry
        changes nothing. A userError (an unknown customer, say) raises ConnectorRejected with its messages."""
        data = self.graphql("tags_add", TAGS_ADD, {"id": customer_gid(customer_id), "tags": list(tags)})
        payload = data.get("tagsAdd") or {}
        errors = payload.get("userErrors") or []
        if errors or not payload.get("node"):
            messages = "; ".join(str(e.get("message")) for e in errors) or "no customer was tagged"
            raise ConnectorRejected(f"Shopify refused the customer tags: {messages}")

    def graphql(self, operation: str, query: str, variables: dict[str, Any],
                ambiguous: Ambiguous | None = None) -> dict[str, Any]:
        """`data` of one GraphQL call, after waiting for the bucket to cover its expected cost."""
        self._wait_for_bucket(self.costs.get(operation, DEFAULT_COST))
        body = {"query": query, "variables": variables}
        response = call(lambda: self.session.post(self.url, json=body, timeout=self.timeout), self._judge,
                        self.sleep, "Shopify", self.attempts, ambiguous)
        answer = json_body(response)
        cost = (answer.get("extensions") or {}).get("cost") or {}
        if cost.get("requestedQueryCost") is not None:
            self.costs[operation] = float(cost["requestedQueryCost"])
        return answer.get("data") or {}

    def _judge(self, response: requests.Response, attempt: int) -> float | None:
        status = response.status_code
        if status == 429 or status >= 500:
            if status == 429:
                self._throttled()
            return retry_after(response.headers) or backoff(attempt)
        if status >= 400:
            raise ConnectorRejected(f"Shopify refused the request (HTTP {status})")
        answer = json_body(response)
        cost = (answer.get("extensions") or {}).get("cost") or {}
        self._remember(cost.get("throttleStatus") or {})
        codes = {str((e.get("extensions") or {}).get("code") or "ERROR") for e in answer.get("errors") or []}
        if codes == {"THROTTLED"}:
            self._throttled()
            return self._refill_time(float(cost.get("requestedQueryCost") or DEFAULT_COST)) or backoff(attempt)
        if "INTERNAL_SERVER_ERROR" in codes:
            return backoff(attempt)
        if codes:
            raise ConnectorRejected(f"Shopify refused the request ({', '.join(sorted(codes))})")
        return None

    def _throttled(self) -> None:
        if self.metrics is not None:
            self.metrics.count(OUTBOUND_THROTTLED, platform="shopify")

    def _remember(self, throttle: dict[str, Any]) -> None:
        if throttle.get("currentlyAvailable") is None or not throttle.get("restoreRate"):
            return
        self.bucket = {"available": float(throttle["currentlyAvailable"]), "rate": float(throttle["restoreRate"]),
                       "maximum": float(throttle.get("maximumAvailable") or throttle["currentlyAvailable"]),
                       "seen": self.monotonic()}

    def _refill_time(self, needed: float) -> float:
        """Seconds until the bucket holds `needed` points (0 when it does, or when nothing is known yet)."""
        if self.bucket is None:
            return 0.0
        b = self.bucket
        now = min(b["maximum"], b["available"] + b["rate"] * (self.monotonic() - b["seen"]))
        return max(0.0, (min(needed, b["maximum"]) - now) / b["rate"])

    def _wait_for_bucket(self, needed: float) -> None:
        wait = self._refill_time(needed)
        if wait > 0:
            self.sleep(wait)


def _one_per_customer_and_key(errors: list[MetafieldError]) -> list[MetafieldError]:
    seen: dict[tuple[str, str | None], MetafieldError] = {}
    for error in errors:
        seen.setdefault((error.customer_id, error.key), error)
    return list(seen.values())
