"""Xray Cloud's GraphQL API: the schema subset in `xray_schema.graphql`, executed by graphql-core.

Resolvers: Query in `xray_queries`, Mutation in `xray_mutations`, object types in `xray_types`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, build_schema, graphql_sync

from sandbox.xray_mutations import MUTATION
from sandbox.xray_queries import QUERY
from sandbox.xray_types import TYPE_RESOLVERS, XrayContext

SCHEMA_PATH = Path(__file__).with_name("xray_schema.graphql")


@cache
def schema() -> GraphQLSchema:
    """The executable schema: the SDL subset with the sandbox's resolvers attached."""
    built = build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    for type_name, resolvers in {"Query": QUERY, "Mutation": MUTATION, **TYPE_RESOLVERS}.items():
        kind = built.type_map[type_name]
        assert isinstance(kind, GraphQLObjectType)
        for field_name, resolver in resolvers.items():
            kind.fields[field_name].resolve = resolver
    return built


def execute(context: XrayContext, query: str, variables: dict[str, Any] | None,
            operation: str | None) -> dict[str, Any]:
    """Runs one GraphQL request and returns its JSON answer (`data`, and `errors` if any)."""
    with context.state.lock:
        result = graphql_sync(schema(), query, variable_values=variables,
                              operation_name=operation, context_value=context)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return body
