"""Tests of the store: rules, operations, concurrency, outbox, on SQLite and PostgreSQL."""
