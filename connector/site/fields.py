"""Jira's fields (`GET /rest/api/2/field`): on Data Center, Xray's custom fields that a
Generic Test needs (`Test Type`, `Generic Test Definition`), found by name."""

from __future__ import annotations

from typing import Any

from connector.datacenter import DEFINITION_FIELD, TEST_TYPE_FIELD
from connector.readers import read_field_ids

PATH = "field"
XRAY_TEST_FIELDS = (TEST_TYPE_FIELD, DEFINITION_FIELD)


def read_xray_fields(body: Any) -> dict[str, str]:
    """`field` -> the ids of Xray's Test fields that exist, by name."""
    return read_field_ids(body, XRAY_TEST_FIELDS)
