"""The sync engine: a pure planner, and the push, pull, reconcile and claim steps around it.

`plan` decides (no I/O); `push`, `pull` and `reconcile` carry the decisions out against
a `connector` backend and the store; `claims` keeps two daemons off one session.
"""
