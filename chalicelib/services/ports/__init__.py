"""The ports services depend on, one module per feature; adapters implement them, tests pass fakes."""
