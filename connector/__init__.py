"""The connector: Jira and Xray, Cloud and Data Center, over HTTP, with one retry layer."""
