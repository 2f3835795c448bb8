"""The sync engine, the daemon, and the surfaces (CLI, HTTP API, web console, webhooks) that wire store and connector together."""
