"""The single I/O seam: one request through its service's budget, the retry layer and
`translate`.

Jira requests go through the `jira` library's own `ResilientSession` (built with
`max_retries=0`, so it never retries; the timeout is set on it); Xray Cloud requests
through a plain `requests.Session`.  Nothing here logs headers or bodies.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Callable
from typing import Any, BinaryIO

import requests
from jira import JIRA
from jira.exceptions import JIRAError
from jira.resilientsession import ResilientSession

from connector.budget import Budget
from connector.errors import InvalidResponse
from connector.multipart import MultipartFile
from connector.retry import RetryLayer
from connector.translate import bare_url, error_for_exception, error_for_response

LOG = logging.getLogger(__name__)


def jira_client(
    url: str,
    *,
    api_version: str,
    timeout: float,
    basic_auth: tuple[str, str] | None = None,
    token: str | None = None,
) -> JIRA:
    """A `jira.JIRA` that sends nothing when built and never retries on its own."""
    client = JIRA(
        server=url,
        options={"rest_api_version": api_version},
        basic_auth=basic_auth,
        token_auth=token,
        max_retries=0,
        timeout=timeout,
        get_server_info=False,
        validate=False,
    )
    session = client._session  # the library has no public accessor
    session.max_retries = 0
    return client


class Channel:
    """Sends requests for one backend; counts them for benchmarks."""

    def __init__(
        self,
        http: requests.Session,
        retry: RetryLayer,
        budget: Budget,
        *,
        timeout: float,
    ) -> None:
        self.http = http
        self._retry = retry
        self.budget = budget
        self._timeout = timeout
        self._lock = threading.Lock()
        self.sent = 0

    def send(
        self,
        method: str,
        url: str,
        *,
        operation: str,
        idempotent: bool,
        params: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> requests.Response:
        """Send once, or more while the retry layer allows; a non-2xx raises ours.
        `timeout` replaces the channel's for this call (an import's long one)."""
        return self._retry.call(
            lambda: self._send_once(method, url, operation, idempotent, params, body, headers,
                                    timeout=timeout),
            self.budget,
        )

    def send_json(
        self,
        method: str,
        url: str,
        *,
        operation: str,
        idempotent: bool,
        params: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """`send`, then decode the JSON answer (`InvalidResponse` when it is not JSON)."""
        resp = self.send(
            method, url, operation=operation, idempotent=idempotent,
            params=params, body=body, headers=headers, timeout=timeout,
        )
        try:
            return resp.json()
        except ValueError as exc:
            raise InvalidResponse(
                f"{operation}: the answer is not JSON", status=resp.status_code, url=bare_url(url)
            ) from exc

    def send_form(
        self,
        url: str,
        parts: dict[str, Any],
        *,
        operation: str,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """POST JSON documents as the named parts of a `multipart/form-data` body (Xray's
        multipart import), never resent after an ambiguous failure; decode the answer."""
        files = {name: (f"{name}.json", json.dumps(doc).encode(), "application/json")
                 for name, doc in parts.items()}
        resp = self._retry.call(
            lambda: self._send_once("POST", url, operation, False, None, None, headers,
                                    files=files, timeout=timeout),
            self.budget,
        )
        try:
            return resp.json()
        except ValueError as exc:
            raise InvalidResponse(
                f"{operation}: the answer is not JSON", status=resp.status_code, url=bare_url(url)
            ) from exc

    def send_file(
        self,
        url: str,
        *,
        operation: str,
        open_file: Callable[[], BinaryIO],
        filename: str,
        content_type: str,
    ) -> Any:
        """POST one file as streamed multipart (reopened per attempt); decode the JSON answer."""

        def once() -> requests.Response:
            with open_file() as stream:
                body = MultipartFile(stream, filename, content_type)
                return self._send_once(
                    "POST", url, operation, False, None, None,
                    {"Content-Type": body.content_type}, raw=body,
                )

        resp = self._retry.call(once, self.budget)
        try:
            return resp.json()
        except ValueError as exc:
            raise InvalidResponse(
                f"{operation}: the answer is not JSON", url=bare_url(url)
            ) from exc

    def probe(self, url: str, *, operation: str, timeout: float) -> None:
        """GET once with its own timeout, outside the bucket and the retry layer: a health
        check must answer quickly, even while a push waits for the rate limit."""
        try:
            # requests' own `request`: ResilientSession's would impose its long timeout
            resp = requests.Session.request(
                self.http, "GET", url, headers={"Accept": "application/json"}, timeout=timeout
            )
        except (requests.RequestException, JIRAError) as exc:
            raise error_for_exception(exc, url=url, idempotent=True, operation=operation) from exc
        if not resp.ok:
            raise error_for_response(resp, idempotent=True, operation=operation)

    def _send_once(
        self,
        method: str,
        url: str,
        operation: str,
        idempotent: bool,
        params: dict[str, str] | None,
        body: Any,
        headers: dict[str, str] | None,
        raw: Any = None,
        timeout: float | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> requests.Response:
        self.budget.acquire()
        with self._lock:
            self.sent += 1
        all_headers = {"Accept": "application/json", "X-Atlassian-Token": "no-check"}
        kwargs: dict[str, Any] = {"params": params, "headers": all_headers | (headers or {})}
        if files is not None:
            kwargs["files"] = files  # requests writes the multipart body and its boundary,
            # once a session's default Content-Type (jira's says JSON) is taken out (None)
            kwargs["headers"]["Content-Type"] = None
        elif raw is not None:
            kwargs["data"] = raw
        elif body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["headers"]["Content-Type"] = "application/json"
        request = self.http.request
        if timeout is not None:
            # ResilientSession imposes its own timeout; requests' own `request` takes ours.
            kwargs["timeout"] = timeout
            request = functools.partial(requests.Session.request, self.http)
        elif not isinstance(self.http, ResilientSession):
            kwargs["timeout"] = self._timeout  # ResilientSession adds its own
        LOG.debug("%s %s (%s)", method, bare_url(url), operation)
        try:
            resp = request(method, url, **kwargs)
        except (requests.RequestException, JIRAError) as exc:
            answer = getattr(exc, "response", None)
            if answer is not None:
                self.budget.observe(answer.headers)
            raise error_for_exception(
                exc, url=url, idempotent=idempotent, operation=operation
            ) from exc
        self.budget.observe(resp.headers)
        if not resp.ok:
            raise error_for_response(resp, idempotent=idempotent, operation=operation)
        return resp
