"""A small JQL subset: enough for what xray-sync asks, with Jira's 400 for anything else.

    query   := [expr] [ORDER BY field [ASC|DESC] {, field [ASC|DESC]}]
    expr    := term {OR term};  term := factor {AND factor};  factor := ( expr ) | clause
    clause  := field (= | != | >= | <= | > | <) value  |  field [NOT] IN ( value {, value} )
               |  summary ~ value
    fields  := project, labels, updated, created, key/issuekey/id, issuetype/type, status, summary
Dates are "yyyy-MM-dd HH:mm" (minute precision), "yyyy/MM/dd HH:mm", "yyyy-MM-dd", or a
relative "-5m" / "-2h" / "-1d" / "-1w". An absolute date is a wall time of the searching
user's time zone, as Jira reads it; where a daylight-saving change repeats or skips that
wall time, the later instant is taken (Jira does not document its choice: the later one
is the worst for a client asking "updated since").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.errors import BadRequest
from sandbox.model import Issue

Predicate = Callable[[Issue], bool]
TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')|(?P<op>!=|>=|<=|!~|[=<>~(),])'
    r"|(?P<word>[^\s=!<>~(),\"']+))"
)
FIELD_ALIASES = {"issuekey": "key", "type": "issuetype", "id": "key"}
FIELDS = {"project", "labels", "updated", "created", "key", "issuetype", "status", "summary"}
DATE_FIELDS = {"updated", "created"}
RELATIVE = re.compile(r"^([-+]?)(\d+)([mhdw])$")


@dataclass
class Token:
    """A JQL token: kind is str, op or word."""

    kind: str
    text: str


@dataclass(frozen=True)
class Query:
    """A parsed query: which issues, in which order."""

    predicate: Predicate
    order: list[tuple[str, bool]]  # (field, descending)

    def run(self, issues: list[Issue]) -> list[Issue]:
        """The matching issues in the requested order (default: newest key first)."""
        hits = [i for i in issues if self.predicate(i)]
        order = self.order or [("key", True)]
        for name, descending in reversed(order):
            hits.sort(key=lambda i, n=name: _sort_key(i, n), reverse=descending)  # type: ignore[misc]
        return hits


def _sort_key(issue: Issue, name: str) -> Any:
    if name in ("key", "created"):
        return issue.id if name == "key" else issue.created
    if name == "updated":
        return issue.updated
    return str(_value(issue, name) or "")


def _error(detail: str) -> BadRequest:
    return BadRequest(f"Error in the JQL Query: {detail}")


def tokenize(text: str) -> list[Token]:
    """Splits JQL into tokens, refusing what it cannot read."""
    tokens: list[Token] = []
    position = 0
    while position < len(text.rstrip()):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise _error(f"The character '{text[position]}' is a reserved JQL character.")
        kind = match.lastgroup or "word"
        raw = match.group(kind)
        if kind == "str":
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        tokens.append(Token(kind, raw))
        position = match.end()
    return tokens


class Parser:
    """Recursive descent over the token list."""

    def __init__(self, tokens: list[Token], now: float, zone: ZoneInfo) -> None:
        self.tokens = tokens
        self.at = 0
        self.now = now
        self.zone = zone

    def peek(self, *words: str) -> bool:
        """Whether the next token is one of these words or operators (case-insensitive)."""
        if self.at >= len(self.tokens) or self.tokens[self.at].kind == "str":
            return False
        return self.tokens[self.at].text.lower() in words

    def take(self) -> Token:
        """The next token; the query must not end here."""
        if self.at >= len(self.tokens):
            raise _error("Expecting more input at the end of the query.")
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, word: str) -> None:
        """Consumes a required word or operator."""
        token = self.take()
        if token.text.lower() != word:
            raise _error(f"Expecting '{word}' but got '{token.text}'.")

    def query(self) -> Query:
        """query := [expr] [ORDER BY ...]."""
        predicate: Predicate = lambda issue: True  # noqa: E731 - the empty query matches all
        if self.at < len(self.tokens) and not self.peek("order"):
            predicate = self.expr()
        order = self.order_by() if self.peek("order") else []
        if self.at < len(self.tokens):
            raise _error(f"Unexpected '{self.tokens[self.at].text}'.")
        return Query(predicate, order)

    def order_by(self) -> list[tuple[str, bool]]:
        """ORDER BY field [ASC|DESC], ..."""
        self.expect("order")
        self.expect("by")
        order = []
        while True:
            name = self.field()
            descending = False
            if self.peek("asc", "desc"):
                descending = self.take().text.lower() == "desc"
            order.append((name, descending))
            if not self.peek(","):
                return order
            self.take()

    def expr(self) -> Predicate:
        """term {OR term}."""
        parts = [self.term()]
        while self.peek("or"):
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else lambda i: any(p(i) for p in parts)

    def term(self) -> Predicate:
        """factor {AND factor}."""
        parts = [self.factor()]
        while self.peek("and"):
            self.take()
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else lambda i: all(p(i) for p in parts)

    def factor(self) -> Predicate:
        """( expr ) | clause."""
        if self.peek("("):
            self.take()
            inner = self.expr()
            self.expect(")")
            return inner
        return self.clause()

    def field(self) -> str:
        """A field name of the subset."""
        token = self.take()
        name = FIELD_ALIASES.get(token.text.lower(), token.text.lower())
        if name not in FIELDS:
            raise _error(f"Field '{token.text}' does not exist or you do not have permission "
                         "to view it.")
        return name

    def clause(self) -> Predicate:
        """field op value."""
        name = self.field()
        negate = False
        if self.peek("not"):
            self.take()
            negate = True
            if not self.peek("in"):
                raise _error("Expecting 'in' after 'not'.")
        operator = self.take().text.lower()
        if operator == "in":
            values = self.value_list(name)
            test = matcher(name, values)
            return (lambda i: not test(i)) if negate else test
        if operator not in ("=", "!=", ">=", "<=", ">", "<", "~"):
            raise _error(f"Expecting an operator but got '{operator}'.")
        return self.comparison(name, operator, self.value(name))

    def value_list(self, name: str) -> list[Any]:
        """( value {, value} )."""
        self.expect("(")
        values = [self.value(name)]
        while self.peek(","):
            self.take()
            values.append(self.value(name))
        self.expect(")")
        return values

    def value(self, name: str) -> Any:
        """A literal; dates become epoch seconds."""
        token = self.take()
        if token.kind == "op":
            raise _error(f"Expecting a value but got '{token.text}'.")
        if name in DATE_FIELDS:
            return parse_jql_date(token.text, self.now, self.zone)
        return token.text

    def comparison(self, name: str, operator: str, value: Any) -> Predicate:
        """The predicate of one comparison clause."""
        if name in DATE_FIELDS:
            compare: dict[str, Callable[[float, float], bool]] = {
                "=": lambda a, b: a == b, "!=": lambda a, b: a != b,
                ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b,
                ">": lambda a, b: a > b, "<": lambda a, b: a < b,
            }
            if operator not in compare:
                raise _error(f"The operator '{operator}' is not supported by the '{name}' field.")
            test = compare[operator]
            return lambda i: test(getattr(i, name), value)
        if operator == "~":
            if name != "summary":
                raise _error(f"The operator '~' is not supported by the '{name}' field.")
            return lambda i: str(value).lower() in i.summary.lower()
        if operator not in ("=", "!="):
            raise _error(f"The operator '{operator}' is not supported by the '{name}' field.")
        equal = matcher(name, [value])
        return (lambda i: not equal(i)) if operator == "!=" else equal


TEXT_GETTERS: dict[str, Callable[[Issue], str]] = {
    "project": lambda i: i.key.rsplit("-", 1)[0], "key": lambda i: i.key,
    "issuetype": lambda i: i.type_name, "status": lambda i: i.status,
    "summary": lambda i: i.summary,
}


def _value(issue: Issue, name: str) -> Any:
    if name == "labels":
        return " ".join(issue.labels)
    return TEXT_GETTERS[name](issue)


def matcher(name: str, values: list[Any]) -> Predicate:
    """Whether an issue's field equals one of the values (built once per clause)."""
    if name == "labels":
        labels = {str(v) for v in values}
        return lambda i: not labels.isdisjoint(i.labels)
    if name == "key":
        keys = {str(v).upper() for v in values}
        return lambda i: i.key in keys or str(i.id) in keys
    get = TEXT_GETTERS[name]
    wanted = {str(v).lower() for v in values}
    return lambda i: get(i).lower() in wanted


def parse_jql_date(text: str, now: float, zone: ZoneInfo | None = None) -> float:
    """A JQL date literal as epoch seconds; an absolute one is read in `zone` (the user's),
    taking the later instant of a repeated or skipped wall time."""
    relative = RELATIVE.match(text.strip())
    if relative:
        sign = -1 if relative.group(1) == "-" else 1
        unit = {"m": 60, "h": 3600, "d": 86400, "w": 604800}[relative.group(3)]
        return now + sign * int(relative.group(2)) * unit
    for pattern in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
        try:
            wall = datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        where = zone or ZoneInfo("UTC")
        return max(wall.replace(tzinfo=where, fold=fold).astimezone(UTC).timestamp()
                   for fold in (0, 1))
    raise _error(f"Date value '{text}' for field is invalid. Valid formats include: "
                 "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a "
                 "period format e.g. '-5d', '4w 2d'.")


def parse(text: str, now: float, zone: str = "UTC") -> Query:
    """Parses a JQL string of the subset (absolute dates in `zone`), else raises BadRequest."""
    return Parser(tokenize(text or ""), now, ZoneInfo(zone)).query()
