"""EmfMetrics: the business figures, printed as CloudWatch Embedded Metric Format documents by Powertools Metrics.

Counts add up in memory during an invocation and leave in one flush at its end: one EMF document per dimension
set (EMF gives a document one set of dimensions for all its metrics), each metric once with its total. CloudWatch
reads the documents from the function's log: no PutMetricData call, no log group or metric filter to declare.
The local stack's handlers run on several threads of one process, so counting and flushing hold a lock.
"""
from __future__ import annotations

import threading
from collections import Counter

from aws_lambda_powertools.metrics import Metrics, MetricUnit

NAMESPACE = "Loyalty"       # infra/template.yaml's alarms name it, with the dimensions stage and service
SERVICE = "loyalty"

DimensionSet = tuple[tuple[str, str], ...]


class EmfMetrics:
    def __init__(self, stage: str, namespace: str = NAMESPACE, service: str = SERVICE) -> None:
        self._emf = Metrics(namespace=namespace, service=service)
        self._emf.set_default_dimensions(stage=stage)
        self._counts: dict[DimensionSet, Counter[str]] = {}
        self._lock = threading.Lock()

    def count(self, name: str, value: int = 1, **dimensions: str) -> None:
        if value < 0:
            raise ValueError(f"metric {name} counts up only, not by {value}")
        if value == 0:
            return
        with self._lock:
            self._counts.setdefault(tuple(sorted(dimensions.items())), Counter())[name] += value

    def flush(self) -> None:
        """Print what was counted since the last flush (nothing at all when nothing was)."""
        with self._lock:
            counted, self._counts = self._counts, {}
            for dimensions, totals in counted.items():
                try:
                    for key, value in dimensions:
                        self._emf.add_dimension(name=key, value=value)
                    for name, total in totals.items():
                        self._emf.add_metric(name=name, unit=MetricUnit.Count, value=total)
                    self._emf.flush_metrics(raise_on_empty_metrics=False)
                finally:
                    self._emf.clear_metrics()       # also when POWERTOOLS_METRICS_DISABLED skips the print
