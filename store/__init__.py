"""The store: users, workspaces, exploratory sessions and charters, their files, locks,
Jira links and outbox, and the rules of the session panel."""
