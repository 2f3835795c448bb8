"""The sandbox's Xray GraphQL refuses a call over the resolver limit as a whole, as a
GraphQL server does: an `errors` answer naming the limit, nothing run."""

from __future__ import annotations

from sandbox.server import RunningSandbox
from sandbox.xray_graphql import RESOLVER_LIMIT
from tests.sandbox.helpers import gql, token


def aliased_reads(count: int) -> str:
    fields = "\n".join(f'  r{n}: getTestRun(testExecIssueId: "1", testIssueId: "2") {{ id }}'
                       for n in range(count))
    return f"query Many {{\n{fields}\n}}"


def test_a_call_at_the_limit_is_answered(cloud: RunningSandbox) -> None:
    """25 root fields are run: 25 answers (null runs), no error."""
    answer = gql(cloud.url, token(cloud.url), aliased_reads(RESOLVER_LIMIT))
    assert "errors" not in answer
    assert len(answer["data"]) == RESOLVER_LIMIT


def test_a_call_over_the_limit_is_refused_whole(cloud: RunningSandbox) -> None:
    """26 root fields: no data, one error naming the limit of 25."""
    answer = gql(cloud.url, token(cloud.url), aliased_reads(RESOLVER_LIMIT + 1))
    assert answer["data"] is None
    (error,) = answer["errors"]
    assert "cannot use more than 25 resolvers" in error["message"]


def test_a_refused_mutation_changes_nothing(cloud: RunningSandbox) -> None:
    """26 aliased test creations over the limit: no Test is made."""
    fields = "\n".join(
        f'  t{n}: createTest(jira: {{fields: {{project: {{key: "QA"}}, summary: "T{n}"}}}},'
        f' testType: {{name: "Generic"}}) {{ warnings }}' for n in range(RESOLVER_LIMIT + 1))
    answer = gql(cloud.url, token(cloud.url), f"mutation Many {{\n{fields}\n}}")
    assert answer["data"] is None
    with cloud.state.lock:
        assert not [i for i in cloud.state.issues.values() if i.type_name == "Test"]
