"""Xray Cloud's GraphQL API: the schema subset in `xray_schema.graphql`, executed by graphql-core.

Resolvers: Query in `xray_queries`, Mutation in `xray_mutations`, object types in `xray_types`.

A document whose operation has more than `RESOLVER_LIMIT` root fields is refused whole, as
a GraphQL server refuses a call over a limit: an `errors` answer naming the limit, nothing
run. Xray documents a resolver limit per call ("Xray Cloud GraphQL resource limitations",
https://xray.cloud.getxray.app/doc/graphql/) whose figure we could not read; 25 is the one
commonly quoted, unverified, and counted here as root fields.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    get_operation_ast,
    graphql_sync,
    parse,
)

from sandbox.xray_mutations import MUTATION
from sandbox.xray_queries import QUERY
from sandbox.xray_types import TYPE_RESOLVERS, XrayContext

SCHEMA_PATH = Path(__file__).with_name("xray_schema.graphql")
RESOLVER_LIMIT = 25


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
    refused = over_resolver_limit(query, operation)
    if refused is not None:
        return {"data": None, "errors": [refused]}
    with context.state.lock:
        result = graphql_sync(schema(), query, variable_values=variables,
                              operation_name=operation, context_value=context)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return body


def over_resolver_limit(query: str, operation: str | None) -> dict[str, Any] | None:
    """The error refusing a document whose operation has more root fields than the resolver
    limit, or None (a document that does not parse is left to graphql-core to refuse)."""
    try:
        chosen = get_operation_ast(parse(query), operation)
    except GraphQLError:
        return None
    if chosen is None:
        return None
    roots = [s for s in chosen.selection_set.selections if isinstance(s, FieldNode)]
    if len(roots) <= RESOLVER_LIMIT:
        return None
    return {"message": f"Resolver limit exceeded: the call uses {len(roots)} resolvers; "
                       f"individual calls cannot use more than {RESOLVER_LIMIT} resolvers."}
