"""The admin API's request and response bodies, each declared once as a `msgspec.Struct`.

The same declarations check what a caller sends (`reading.read`: every problem at once, as `<field>: <what is
required>`) and give the OpenAPI document its schemas (`web/openapi.py`), so the two cannot drift apart.
A field's `description` is what a refusal says is required; bounds are named constants shared with the services.
"""
