"""Attaching the session file: streamed multipart, one request, reopened on a retry."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, cast

import pytest
import requests
import requests.adapters
import responses

from connector import FakeBackend
from connector.cloud import CloudBackend
from connector.datacenter import DataCenterBackend
from connector.errors import AmbiguousWrite
from connector.multipart import MultipartFile
from tests.connector.conftest import JIRA, FakeClock


def _opener(data: bytes, opened: list[int]) -> Callable[[], BinaryIO]:
    def open_file() -> BinaryIO:
        opened.append(1)
        return io.BytesIO(data)
    return open_file


def test_multipart_body_is_well_formed() -> None:
    """The body parses back as one form part holding the file, and its length is exact."""
    body = MultipartFile(io.BytesIO(b"PK\x03\x04data"), 'se"ss.xea', "application/zip")
    raw = body.read()
    assert len(raw) == len(body)
    boundary = body.content_type.split("boundary=")[1]
    assert raw.startswith(f"--{boundary}\r\n".encode())
    assert b'filename="se\'ss.xea"' in raw
    assert raw.endswith(f"\r\n--{boundary}--\r\n".encode())
    assert b"\r\n\r\nPK\x03\x04data\r\n" in raw


def test_multipart_reads_in_small_chunks() -> None:
    """Chunked reads return the same bytes as one read."""
    whole = MultipartFile(io.BytesIO(b"x" * 1000), "a", "text/plain")
    parts = MultipartFile(io.BytesIO(b"x" * 1000), "a", "text/plain")
    chunks = []
    while chunk := parts.read(7):
        chunks.append(chunk)
    assert len(b"".join(chunks)) == len(whole.read())


def test_attach_posts_multipart_with_no_check(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """attach_file posts the file as multipart with X-Atlassian-Token: no-check."""
    mocked.post(f"{JIRA}/rest/api/3/issue/QA-2/attachments",
                json=[{"id": "10010", "filename": "s.xea", "size": 3}])
    opened: list[int] = []
    assert cloud.attach_file("QA-2", "s.xea", "application/zip", _opener(b"zip", opened)) == "10010"
    request = mocked.calls[0].request
    assert request.headers["X-Atlassian-Token"] == "no-check"
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")


def test_attach_is_reopened_after_429(
    dc: DataCenterBackend, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    """A 429 on an attach re-opens the file and sends it whole again after Retry-After."""
    url = f"{JIRA}/rest/api/2/issue/QA-2/attachments"
    mocked.post(url, status=429, headers={"Retry-After": "3"})
    mocked.post(url, json=[{"id": "7"}])
    opened: list[int] = []
    assert dc.attach_file("QA-2", "s.xea", "application/zip", _opener(b"z" * 10, opened)) == "7"
    assert (len(opened), clock.sleeps) == (2, [3.0])


def test_attach_dropped_is_ambiguous(cloud: CloudBackend, mocked: responses.RequestsMock) -> None:
    """An attach whose connection dropped is not resent (it may exist already)."""
    mocked.post(f"{JIRA}/rest/api/3/issue/QA-2/attachments",
                body=requests.ConnectionError("reset"))
    with pytest.raises(AmbiguousWrite):
        cloud.attach_file("QA-2", "s.xea", "application/zip", _opener(b"z", []))
    assert len(mocked.calls) == 1


class ReadingAdapter(requests.adapters.BaseAdapter):
    """A transport that reads the body as a socket would, in 64 KB chunks."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[int] = []

    def send(  # type: ignore[override]  # requests passes its arguments by keyword
        self, request: requests.PreparedRequest, **kwargs: object
    ) -> requests.Response:
        body: object = request.body
        assert body is not None and not isinstance(body, bytes | str), "built in memory"
        reader = cast(BinaryIO, body)  # a stream (requests' stub says bytes | str | None)
        total = 0
        while chunk := reader.read(1 << 16):
            total += len(chunk)
        self.received.append(total)
        response = requests.Response()
        response.status_code, response.url = 200, request.url or ""
        response._content = b'[{"id": "1"}]'  # a Response built by hand
        return response

    def close(self) -> None:
        """Nothing to release."""


def test_large_file_is_streamed(tmp_path: Path, cloud: CloudBackend) -> None:
    """A 32 MB file goes out in chunks, never whole in memory (traced peak < 8 MB)."""
    path = tmp_path / "big.xea"
    with path.open("wb") as out:
        for _ in range(32):
            out.write(b"\0" * (1 << 20))
    adapter = ReadingAdapter()
    cloud.channel.http.mount(JIRA, adapter)
    tracemalloc.start()
    cloud.attach_file("QA-2", "big.xea", "application/zip", lambda: path.open("rb"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert adapter.received[0] > 32 * (1 << 20)
    assert peak < 8 * (1 << 20)


def test_fake_keeps_attachment_name_and_size() -> None:
    """The fake records the attachment's name and size."""
    fake = FakeBackend()
    from connector import IssueDraft

    (ref,) = fake.create_issues([IssueDraft("s1", "QA", "execution", "S")])
    fake.attach_file(ref.key, "s.xea", "application/zip", lambda: io.BytesIO(b"abc"))
    assert fake.issues[ref.key].attachments[0][1:] == ("s.xea", 3)
