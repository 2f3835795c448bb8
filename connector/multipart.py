"""A streamed `multipart/form-data` body with one file part, for Jira's attachments endpoint.

requests sends a file-like body chunk by chunk and takes Content-Length from `len()`,
so a session file of any size is never held in memory whole.
"""

from __future__ import annotations

import io
import secrets
from typing import BinaryIO


def _size(stream: BinaryIO) -> int:
    start = stream.tell()
    end = stream.seek(0, io.SEEK_END)
    stream.seek(start)
    return end - start


class MultipartFile:
    """`read(n)` over the part header, the file and the closing boundary."""

    def __init__(self, stream: BinaryIO, filename: str, content_type: str,
                 field: str = "file") -> None:
        boundary = secrets.token_hex(16)
        safe = filename.replace("\\", "_").replace('"', "'").replace("\r", " ").replace("\n", " ")
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{safe}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        self.content_type = f"multipart/form-data; boundary={boundary}"
        self._parts: list[BinaryIO] = [io.BytesIO(head), stream, io.BytesIO(tail)]
        self._length = len(head) + _size(stream) + len(tail)

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (all that is left when negative)."""
        chunks: list[bytes] = []
        wanted = size
        while self._parts and (wanted < 0 or wanted > 0):
            chunk = self._parts[0].read(wanted if wanted > 0 else -1)
            if not chunk:
                self._parts.pop(0)
                continue
            chunks.append(chunk)
            if wanted > 0:
                wanted -= len(chunk)
        return b"".join(chunks)
