"""The groups of operations `store.api.Store` is made of, one module each.

    core        the transaction every operation runs in, uploads staged before it
    people      users, their tokens, workspaces and their members
    files       the panel's reads and a session's file: import, save, download, versions
    lifecycle   a session's locks, name, place, trash and Jira connection
    monitoring  the audit trail, notices, health and gauges, webhook deliveries

Import `Store` from `store.api`; these classes are its parts, not entry points.
"""
