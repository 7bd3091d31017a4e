"""Benchmark of the worker's DynamoDB path (`make bench`, `python -m infra.bench`).

kinds.py (with customer_kinds.py and payloads.py) builds the events, recorder.py counts the client's API calls,
sizes.py and costs.py estimate write units, runner.py times the events beside an interleaved floor, local.py runs
DynamoDB Local, report.py prints. jobs.py (with population.py and jobs_report.py) measures a due-work job over a
small and a large member population.
"""
