"""The sync engine, the daemon, and the surfaces (CLI, HTTP API, web console, webhooks).

They wire the store and the connector together.
"""
