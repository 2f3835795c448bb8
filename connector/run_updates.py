"""Run updates through Xray Cloud's GraphQL, many runs to a request: the pure part.

What an import into an existing Test Execution does (`payloads.xray_import_body`), a
batch does with one read and a few documents of aliased mutations:

- one `getTestRuns` query reads every run of the batch (its id, status, comment, times,
  files, defects) with its execution's summary, environments, Begin Date and End Date;
- for each record, `plan_update` compares what it says with what Xray shows, and sends
  only what differs. On the run, as mutations: `updateTestRunStatus`, `updateTestRun`
  (comment, start, finish), `addEvidenceToTestRun` (only the files the run does not show
  yet: their names carry a digest of their content), `addDefectsToTestRun` (unless the
  run lists every defect's id already; adding a linked one again changes nothing). On
  the execution, as one Jira edit of its fields (GraphQL has no mutation for them): the
  summary (the import's `info.summary` renames the execution) and the Begin Date and End
  Date fields (the import's `info.startDate` and `finishDate`; a first push's multipart
  import leaves them unset). What neither can do
  the import's way goes to the import, for that record only: a run that does not exist
  (the import adds the Test to the execution), other environments (the import replaces
  them), and dates to set when Jira lists no Begin Date and End Date fields;
- `pack` puts the mutations into documents of at most `RESOLVER_LIMIT` root fields and
  `DOCUMENT_EVIDENCE_BYTES` of files.

Limits: Xray Cloud's GraphQL documentation ("Xray Cloud GraphQL resource limitations",
https://xray.cloud.getxray.app/doc/graphql/) sets a node limit (`limit` 1-100 on every
connection, at most 10,000 items a call) and a resolver limit per call whose figure we
could not read; 25 is the figure commonly quoted, unverified, and taken here as 25 root
fields per document. The byte limits are ours: Xray documents none for GraphQL.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from connector.base import Evidence, RunRecord
from connector.errors import InvalidResponse
from connector.payloads import JIRA_TIME, evidence_name
from connector.readers import parse_jira_time

RESOLVER_LIMIT = 25  # root fields per GraphQL document (unverified figure, see above)
READ_LIMIT = 100  # Xray's largest `limit` on a connection
# A record with more new files than this is sent on its own, as an import (as before).
RECORD_EVIDENCE_BYTES = 4 * 1024 * 1024
# A document carries at most this much (before base64): big bodies are split.
DOCUMENT_EVIDENCE_BYTES = 16 * 1024 * 1024
# Fewer records than this are sent as imports: one import each costs no more than a read
# and a document (2 requests), and changes exactly what it always changed.
MIN_BATCH = 3

READ_RUNS = """\
query ReadRuns($testExecIssueIds: [String], $testIssueIds: [String], $start: Int,
               $fields: [String]) {
  getTestRuns(testExecIssueIds: $testExecIssueIds, testIssueIds: $testIssueIds,
              limit: 100, start: $start) {
    total
    results {
      id status { name } comment startedOn finishedOn evidence { filename } defects
      test { issueId }
      testExecution { issueId testEnvironments jira(fields: $fields) }
    }
  }
}"""
# The Test Execution's Jira fields that the import's `info.startDate`/`finishDate` set.
DATE_FIELD_NAMES = ("Begin Date", "End Date")
XRAY_TIME = "%Y-%m-%dT%H:%M:%SZ"  # as Xray's GraphQL examples write `startedOn`


@dataclass(frozen=True)
class RunNow:
    """A run as the read found it, with its execution's summary and environments."""

    id: str
    status: str
    comment: str
    started: datetime | None
    finished: datetime | None
    evidence: frozenset[str]
    summary: str | None
    environments: frozenset[str]
    defects: frozenset[str] = frozenset()  # issue ids
    # the execution's Begin and End Date fields; unknown when Jira has no such fields
    begin: datetime | None = None
    end: datetime | None = None
    dates_known: bool = True


@dataclass(frozen=True)
class Mutation:
    """One aliased root field of a document: `alias: name(arguments)` with its variables.

    `variables` maps each variable's name to its GraphQL type and value; `owner` is the
    index of the record it belongs to; `evidence_bytes` the size of the files it carries."""

    alias: str
    name: str
    arguments: str
    selection: str
    variables: dict[str, tuple[str, Any]]
    owner: int
    evidence_bytes: int = 0

    def text(self) -> str:
        return f"  {self.alias}: {self.name}({self.arguments}){self.selection}"


@dataclass(frozen=True)
class Import:
    """The record goes to the import (`record`: without the files the run already shows)."""

    record: RunRecord


def evidence_bytes(record: RunRecord) -> int:
    """The size of a record's new files, before base64."""
    return sum(len(e.data) for e in record.evidence)


def has_issue_ids(record: RunRecord) -> bool:
    """Whether the record names its execution and Test by issue id (the read needs them)."""
    return record.execution_id.isdigit() and record.test_id.isdigit()


DateFields = tuple[str, str] | None  # ids of Begin Date and End Date, None: Jira has none


def read_variables(records: Sequence[RunRecord], start: int,
                   dates: DateFields = None) -> dict[str, Any]:
    """The variables of READ_RUNS for these records' runs, from `start`."""
    return {"testExecIssueIds": sorted({r.execution_id for r in records}),
            "testIssueIds": sorted({r.test_id for r in records}), "start": start,
            "fields": ["summary", *(dates or ())]}


def read_runs_page(data: dict[str, Any], dates: DateFields = None
                   ) -> tuple[dict[tuple[str, str], RunNow], int, int]:
    """One page of READ_RUNS: the runs by (execution id, test id), this page's size, total."""
    page = data.get("getTestRuns")
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise InvalidResponse("getTestRuns answered no results list")
    runs = {}
    for item in page["results"]:
        key, run = _run_now(item, dates)
        runs[key] = run
    total = page.get("total")
    return runs, len(page["results"]), total if isinstance(total, int) else 0


def _run_now(item: Any, dates: DateFields) -> tuple[tuple[str, str], RunNow]:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise InvalidResponse("a run read by getTestRuns has no id")
    execution = item.get("testExecution") or {}
    test = item.get("test") or {}
    status = item.get("status") or {}
    jira = execution.get("jira") or {}
    summary = jira.get("summary") if isinstance(jira, dict) else None
    return (str(execution.get("issueId")), str(test.get("issueId"))), RunNow(
        id=item["id"],
        status=str(status.get("name", "")) if isinstance(status, dict) else "",
        comment=str(item.get("comment") or ""),
        started=_time(item.get("startedOn")),
        finished=_time(item.get("finishedOn")),
        evidence=frozenset(str(e.get("filename", "")) for e in item.get("evidence") or ()
                           if isinstance(e, dict)),
        summary=summary if isinstance(summary, str) else None,
        environments=frozenset(str(e) for e in execution.get("testEnvironments") or ()),
        defects=frozenset(str(d) for d in item.get("defects") or ()),
        begin=_time(jira.get(dates[0])) if dates and isinstance(jira, dict) else None,
        end=_time(jira.get(dates[1])) if dates and isinstance(jira, dict) else None,
        dates_known=dates is not None,
    )


def _time(value: Any) -> datetime | None:
    return None if value in (None, "") else parse_jira_time(value)


def _same_second(wanted: datetime | None, shown: datetime | None) -> bool:
    """An unset time in the record leaves the run's as it is (as the import does)."""
    if wanted is None:
        return True
    return shown is not None and wanted.replace(microsecond=0) == shown.replace(microsecond=0)


def _unattached(record: RunRecord, run: RunNow) -> tuple[Evidence, ...]:
    return tuple(e for e in record.evidence if evidence_name(e) not in run.evidence)


@dataclass(frozen=True)
class Planned:
    """A record's changes: mutations of its run, and the Jira fields of its execution to
    set (summary, Begin Date, End Date; empty: none), which Jira's edit sets."""

    mutations: list[Mutation]
    execution_fields: dict[str, str]


def plan_update(index: int, record: RunRecord, run: RunNow | None,
                dates: DateFields = None) -> Import | Planned:
    """What brings `run` and its execution to what `record` says, or the import when
    GraphQL and Jira's edit cannot do it the import's way (see the module's docstring)."""
    if run is None:
        return Import(record)
    fields = _execution_fields(record, run, dates)
    if fields is None or (record.environments
                          and set(record.environments) != run.environments):
        return Import(replace(record, evidence=_unattached(record, run)))
    return Planned(_mutations(index, record, run), fields)


def _execution_fields(record: RunRecord, run: RunNow, dates: DateFields
                      ) -> dict[str, str] | None:
    """The execution's fields that differ from the record; None when the dates would need
    fields that Jira does not have (the import sets them its own way)."""
    fields = {} if record.summary == run.summary else {"summary": record.summary}
    for wanted, shown, index in ((record.started, run.begin, 0),
                                 (record.finished, run.end, 1)):
        if wanted is not None and not _same_second(wanted, shown):
            if dates is None:
                return None
            fields[dates[index]] = wanted.astimezone(UTC).strftime(JIRA_TIME)
    return fields


def _mutations(index: int, record: RunRecord, run: RunNow) -> list[Mutation]:
    alias, run_id = f"r{index}", ("String!", run.id)
    found = []
    if record.status.value != run.status:
        found.append(Mutation(f"{alias}_status", "updateTestRunStatus",
                              f"id: ${alias}_id, status: ${alias}_status", "",
                              {f"{alias}_id": run_id, f"{alias}_status":
                               ("String!", record.status.value)}, index))
    changed = _run_fields(record, run)
    if changed:
        arguments = ", ".join(f"{name}: ${alias}_{name}" for name in changed)
        found.append(Mutation(f"{alias}_run", "updateTestRun",
                              f"id: ${alias}_id, {arguments}", " { warnings }",
                              {f"{alias}_id": run_id} | {f"{alias}_{name}": ("String", value)
                                                         for name, value in changed.items()},
                              index))
    files = _unattached(record, run)
    if files:
        found.append(Mutation(f"{alias}_evidence", "addEvidenceToTestRun",
                              f"id: ${alias}_id, evidence: ${alias}_evidence",
                              " { addedEvidence warnings }",
                              {f"{alias}_id": run_id, f"{alias}_evidence":
                               ("[AttachmentDataInput]!", _attachments(files))}, index,
                              sum(len(e.data) for e in files)))
    if not _defects_linked(record, run):
        found.append(Mutation(f"{alias}_defects", "addDefectsToTestRun",
                              f"id: ${alias}_id, issues: ${alias}_defects",
                              " { addedDefects warnings }",
                              {f"{alias}_id": run_id, f"{alias}_defects":
                               ("[String]!", list(record.defects))}, index))
    return found


def _defects_linked(record: RunRecord, run: RunNow) -> bool:
    """Whether every defect of the record is linked to the run already (by id: Xray Cloud
    lists a run's defects by id; a defect whose id the record lacks counts as not linked,
    and is added again, which changes nothing if it was)."""
    ids = record.defect_ids
    return len(ids) == len(record.defects) and all(i and i in run.defects for i in ids)


def _run_fields(record: RunRecord, run: RunNow) -> dict[str, str]:
    """`updateTestRun`'s arguments that change something: what the record leaves out
    (an empty comment, no time) stays as it is, as with the import."""
    changed = {}
    if record.comment and record.comment != run.comment:
        changed["comment"] = record.comment
    if record.started is not None and not _same_second(record.started, run.started):
        changed["startedOn"] = record.started.astimezone(UTC).strftime(XRAY_TIME)
    if record.finished is not None and not _same_second(record.finished, run.finished):
        changed["finishedOn"] = record.finished.astimezone(UTC).strftime(XRAY_TIME)
    return changed


def _attachments(files: Iterable[Evidence]) -> list[dict[str, str]]:
    return [{"filename": evidence_name(e), "mimeType": e.content_type,
             "data": base64.b64encode(e.data).decode("ascii")} for e in files]


def pack(mutations: Sequence[Mutation]) -> list[list[Mutation]]:
    """The mutations in order, cut into documents within the resolver and byte limits."""
    documents: list[list[Mutation]] = []
    current: list[Mutation] = []
    size = 0
    for mutation in mutations:
        if current and (len(current) == RESOLVER_LIMIT
                        or size + mutation.evidence_bytes > DOCUMENT_EVIDENCE_BYTES):
            documents.append(current)
            current, size = [], 0
        current.append(mutation)
        size += mutation.evidence_bytes
    if current:
        documents.append(current)
    return documents


def document(mutations: Sequence[Mutation]) -> tuple[str, dict[str, Any]]:
    """One GraphQL document of aliased mutations, and its variables."""
    declared: dict[str, tuple[str, Any]] = {}
    for mutation in mutations:
        declared.update(mutation.variables)
    header = ", ".join(f"${name}: {kind}" for name, (kind, _) in declared.items())
    body = "\n".join(m.text() for m in mutations)
    return (f"mutation UpdateRuns({header}) {{\n{body}\n}}",
            {name: value for name, (_, value) in declared.items()})
