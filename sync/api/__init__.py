"""The HTTP surface: the API under /api/v1, the Jira workflow bridge's hooks, the web console.

`create_app(config, store, sync)` in `sync.api.app` builds it; the daemon serves it.
"""

from sync.api.app import create_app

__all__ = ["create_app"]
