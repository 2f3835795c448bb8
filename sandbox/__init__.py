"""A local, stateful emulator of the parts of Jira Cloud, Xray Cloud, Jira Data Center and
Xray Server that xray-sync uses (docs/design.md section 6): `start_sandbox`, `serve_forever`.
"""
