"""Run updates of many sessions in few Xray Cloud requests: the push's threads hand their
records to one `RunBatcher`, which reads their runs in one query and sends the changes as
documents of aliased mutations (what is sent, and what goes to the import instead:
`connector.run_updates`).

Each caller gets its own outcome. A GraphQL error whose `path` names one of a record's
aliases fails that record only (`Rejected`), the others of the document stand. An error
that names no alias (the document was refused as a whole) fails every record in the
document. A lost answer (`AmbiguousWrite`, `Unavailable`) reaches every record of its
document: some of their changes may have been applied, and the caller recovers as after a
lost import (the next push reads the run and leaves out the files it shows). Once one
request failed for want of an answer, the documents after it are not sent: their records
fail as `Unavailable`, with nothing applied.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from connector import run_updates
from connector.base import RunRecord
from connector.batch import Coalescer
from connector.errors import AmbiguousWrite, ConnectorError, Rejected, Unavailable
from connector.readers import read_field_ids, read_graphql
from connector.run_updates import (
    DATE_FIELD_NAMES,
    DateFields,
    Import,
    Mutation,
    RunNow,
)


@dataclass(frozen=True)
class EditExecution:
    """The run was updated; the caller sets these Jira fields of the execution (summary,
    Begin Date, End Date), or, should Jira refuse them, sends `record` as an import."""

    fields: dict[str, str]
    record: RunRecord


# None: done; Import: the caller sends this record as an import; EditExecution: see there
Outcome = Import | EditExecution | None


class GraphQL(Protocol):
    """What the batcher needs of `XrayCloud`: POST a body to its GraphQL endpoint."""

    def call(self, path: str, body: Any, *, operation: str, idempotent: bool,
             timeout: float | None = None) -> Any: ...


class DateFieldIds:
    """The ids of the Test Execution's Begin Date and End Date fields, from Jira's field
    list (`GET field`, one Jira request), read the first time a batch needs them."""

    def __init__(self, list_fields: Callable[[], Any]) -> None:
        self._list_fields = list_fields
        self._lock = threading.Lock()
        self._known: list[DateFields] = []

    def ids(self) -> DateFields:
        """The two ids, or None when Jira lists no fields by these names."""
        with self._lock:
            if not self._known:
                found = read_field_ids(self._list_fields(), DATE_FIELD_NAMES)
                begin, end = (found.get(name) for name in DATE_FIELD_NAMES)
                self._known.append((begin, end) if begin and end else None)
            return self._known[0]


@dataclass(frozen=True)
class _Sent:
    """What one document did: the records it failed, and whether the link is lost."""

    failed: dict[int, ConnectorError]
    lost: bool = False


class RunBatcher:
    """Gathers `record_run` calls of concurrent threads; see the module's docstring."""

    def __init__(self, xray: GraphQL, dates: DateFieldIds, *, capacity: int,
                 linger: float) -> None:
        self.xray = xray
        self.dates = dates
        self.coalescer: Coalescer[RunRecord, Outcome] = Coalescer(
            self.send_batch, capacity=capacity, linger=linger)

    def submit(self, record: RunRecord) -> Outcome:
        """Wait for the batch holding `record`; what is left to the caller (`Outcome`), or
        its own error."""
        return self.coalescer.submit(record)

    def send_batch(self, records: Sequence[RunRecord]) -> list[Outcome | BaseException]:
        """One batch: imports when it is small, else the read and the documents; each
        record's outcome or error."""
        if len(records) < run_updates.MIN_BATCH:
            return [Import(record) for record in records]
        try:
            dates = self.dates.ids()
            runs = self._read(records, dates)
        except ConnectorError as exc:
            return [exc] * len(records)
        outcomes: list[Outcome | BaseException] = []
        mutations: list[Mutation] = []
        for index, record in enumerate(records):
            planned = run_updates.plan_update(
                index, record, runs.get((record.execution_id, record.test_id)), dates)
            if isinstance(planned, Import):
                outcomes.append(planned)
                continue
            mutations.extend(planned.mutations)
            fields = planned.execution_fields
            # should Jira refuse the fields, the import sets them (the files are sent by then)
            outcomes.append(EditExecution(fields, replace(record, evidence=()))
                            if fields else None)
        self._send_all(run_updates.pack(mutations), outcomes)
        return outcomes

    def _read(self, records: Sequence[RunRecord], dates: DateFields
              ) -> dict[tuple[str, str], RunNow]:
        """Every run of `records` (a page holds 100; more pages only when the executions
        hold other Tests of the batch as well)."""
        found: dict[tuple[str, str], RunNow] = {}
        start = 0
        while True:
            answer = self.xray.call(
                "graphql", {"query": run_updates.READ_RUNS,
                            "variables": run_updates.read_variables(records, start, dates)},
                operation="read test runs", idempotent=True)
            runs, size, total = run_updates.read_runs_page(read_graphql(answer), dates)
            found.update(runs)
            start += size
            if size == 0 or start >= total:
                return found

    def _send_all(self, documents: list[list[Mutation]],
                  outcomes: list[Outcome | BaseException]) -> None:
        lost = False
        for mutations in documents:
            owners = {m.owner for m in mutations}
            if lost:
                sent = _Sent({i: Unavailable("not sent: Xray did not answer an earlier "
                                             "request of the same batch") for i in owners})
            else:
                sent = self._send(mutations)
                lost = sent.lost
            for index, error in sent.failed.items():
                if not isinstance(outcomes[index], BaseException):
                    outcomes[index] = error

    def _send(self, mutations: list[Mutation]) -> _Sent:
        owners = {m.owner for m in mutations}
        query, variables = run_updates.document(mutations)
        try:
            answer = self.xray.call("graphql", {"query": query, "variables": variables},
                                    operation="update test runs", idempotent=False)
        except (AmbiguousWrite, Unavailable) as exc:
            return _Sent(dict.fromkeys(owners, exc), lost=True)
        except ConnectorError as exc:
            return _Sent(dict.fromkeys(owners, exc))
        try:
            return _Sent(alias_errors(answer, mutations))
        except ConnectorError as exc:  # an answer we cannot read: applied or not, unknown
            return _Sent(dict.fromkeys(owners, exc))


def alias_errors(answer: Any, mutations: Sequence[Mutation]) -> dict[int, ConnectorError]:
    """The records failed by a GraphQL answer: those an error's `path` names, or all of
    them when an error names no alias of the document."""
    errors = answer.get("errors") if isinstance(answer, dict) else None
    owner_of = {m.alias: m.owner for m in mutations}
    if not errors:
        read_graphql(answer)  # an answer without `data` is not one we can read
        return {}
    messages: dict[int, list[str]] = {}
    for error in errors if isinstance(errors, list) else [errors]:
        text = str(error.get("message", error)) if isinstance(error, dict) else str(error)
        path = error.get("path") if isinstance(error, dict) else None
        alias = path[0] if isinstance(path, list) and path else None
        targets = [owner_of[alias]] if alias in owner_of else list(set(owner_of.values()))
        for owner in targets:
            messages.setdefault(owner, []).append(text)
    return {owner: Rejected("Xray GraphQL refused the run update", jira_messages=texts)
            for owner, texts in messages.items()}
