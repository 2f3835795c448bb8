"""Memory benchmark: a 500 MB session file is imported and downloaded as a stream.

docs/design.md section 7 asks that RSS grows by less than 50 MB.  The file is generated on the
fly in 1 MiB chunks of random bytes (never whole in memory), once as an opaque file and
once as a bundle (manifest.json plus a 500 MB recording, stored uncompressed as a real
recording would be).  Then, for each:

- import: `Store.import_session` on SQLite (`--via store`, the default): the upload is
  staged into the blob store (hashed while copied), inspected by
  `store.bundle.inspect_upload` (every member decompressed and CRC-checked) and adopted in
  the transaction that writes the session's rows; `--via blobs` does the same with the
  blob store alone (`BlobStore.staged`, `inspect_upload`, `commit`);
- download: `Store.download(...).open()` (or `BlobStore.iter_chunks`) is read in 64 KiB
  chunks and hashed, and the hash must equal the source's.

Peak RSS is read from /proc/self/status (VmHWM), reset before each phase by writing 5 to
/proc/self/clear_refs; where that is refused, a thread samples VmRSS every 5 ms instead.
A calibration first measures a 64 MiB allocation the same way, to show that the
instrument does see memory growth.

    .venv/bin/python benchmarks/bench_memory.py [--size-mb 500] [--kind opaque|bundle|both]
                                                [--via store|blobs]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store.blobs import BlobStore
from store.bundle import BundleLimits, inspect_upload

MiB = 1024 * 1024
LIMIT_MB = 50.0


def status_kib(field: str, pid: int | None = None) -> int:
    """A `Vm*` line of /proc/PID/status (this process by default), in KiB."""
    for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


@contextlib.contextmanager
def peak_growth(pid: int | None = None) -> Iterator[dict[str, float]]:
    """Measure how far RSS (of `pid`, else this process) rises above its level at entry."""
    result: dict[str, float] = {}
    try:
        Path(f"/proc/{pid or 'self'}/clear_refs").write_text("5")
        exact = True
    except OSError:
        exact = False
    baseline = status_kib("VmRSS", pid)
    sampled = [baseline]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.005):
            sampled.append(status_kib("VmRSS", pid))

    sampler = None if exact else threading.Thread(target=sample, daemon=True)
    if sampler:
        sampler.start()
    started = time.perf_counter()
    yield result
    result["seconds"] = time.perf_counter() - started
    stop.set()
    if sampler:
        sampler.join()
    peak = status_kib("VmHWM", pid) if exact else max(sampled)
    result["rss_growth_mb"] = (peak - baseline) / 1024
    result["method"] = 1.0 if exact else 0.0


def random_chunks(size: int) -> Iterator[bytes]:
    left = size
    while left:
        take = min(MiB, left)
        yield os.urandom(take)
        left -= take


def make_opaque(path: Path, size: int) -> None:
    with path.open("wb") as out:
        for chunk in random_chunks(size):
            out.write(chunk)


def make_bundle(path: Path, size: int) -> None:
    manifest = {
        "format": "xea-session/1", "type": "session", "name": "Half a gigabyte of video",
        "status": "PASSED",
        "timeline": [{"at": "2026-11-20T10:12:00Z", "kind": "video",
                      "file": "evidence/recording.webm"}],
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        with archive.open("evidence/recording.webm", "w", force_zip64=True) as member:
            for chunk in random_chunks(size):
                member.write(chunk)


class Target(Protocol):
    """A way in and out: upload a file (its handle, whether it came back a zip), download it."""

    def upload(self, source: Path) -> tuple[str, bool]: ...

    def download(self, handle: str) -> Iterator[bytes]: ...


class ThroughBlobs:
    """The two building blocks alone: `BlobStore.staged` + `inspect_upload`, `iter_chunks`."""

    def __init__(self, work: Path, size: int) -> None:
        self.blobs = BlobStore(work / "blobs")
        self.size = size

    def upload(self, source: Path) -> tuple[str, bool]:
        limits = BundleLimits(max_uncompressed_bytes=2 * self.size)
        with source.open("rb") as upload, \
                self.blobs.staged(upload, max_bytes=2 * self.size) as staged:
            info = inspect_upload(staged.path, limits=limits)
            return staged.commit().digest, info.is_bundle

    def download(self, handle: str) -> Iterator[bytes]:
        return self.blobs.iter_chunks(handle)


class ThroughStore:
    """The whole store on SQLite: `Store.import_session` and `Store.download`."""

    def __init__(self, work: Path, size: int) -> None:
        from store.api import Store, StoreSettings
        from store.db import make_engine, migrate

        engine = make_engine(f"sqlite:///{work / 'store.db'}")
        migrate(engine)
        self.store = Store(engine, StoreSettings(home=work, max_upload_bytes=2 * size))
        self.store.add_user("alice")
        # A running service has its queries compiled already: warm up with a tiny file.
        warm = self.store.import_session("alice", "alice", io.BytesIO(b"warm-up"))
        with self.store.download("alice", warm.id).open() as stream:
            stream.read()

    def upload(self, source: Path) -> tuple[str, bool]:
        with source.open("rb") as upload:
            out = self.store.import_session("alice", "alice", upload, filename=source.name)
        with self.store.download("alice", out.id).open() as stream:
            is_zip = stream.read(4) == b"PK\x03\x04"
        return out.id, is_zip

    def download(self, handle: str) -> Iterator[bytes]:
        with self.store.download("alice", handle).open() as stream:
            while chunk := stream.read(64 * 1024):
                yield chunk


def serve(home: Path) -> None:
    """The server of `--via http` (run in a child process): the API on a store in `home`."""
    import uvicorn

    from store.api import Store, StoreSettings
    from store.db import make_engine, migrate
    from sync.api import create_app
    from sync.config import Config

    engine = make_engine(f"sqlite:///{home / 'store.db'}")
    migrate(engine)
    store = Store(engine, StoreSettings(home=home, max_upload_bytes=4 * 1024 * MiB))
    store.add_user("alice")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    print(json.dumps({"port": listener.getsockname()[1], "token": store.issue_token("alice")}),
          flush=True)
    app = create_app(Config(home=home), store)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[listener])


class ThroughHttp:
    """The HTTP API in a child process; the figures are the *server's* RSS."""

    def __init__(self, work: Path, size: int) -> None:
        import httpx

        self.child = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(work)], stdout=subprocess.PIPE, text=True)
        assert self.child.stdout is not None
        hello = json.loads(self.child.stdout.readline())
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{hello['port']}", timeout=600,
                                 headers={"Authorization": f"Bearer {hello['token']}"})
        for _ in range(200):
            with contextlib.suppress(httpx.TransportError):
                if self.http.get("/healthz").status_code < 500:
                    break
            time.sleep(0.05)
        warm = self._post("warm-up.bin", io.BytesIO(b"warm-up"))
        list(self.download(warm))

    def _post(self, name: str, stream: BinaryIO) -> str:
        answer = self.http.post("/api/v1/workspaces/alice/sessions", files={"file": (name, stream)})
        answer.raise_for_status()
        return str(answer.json()["id"])

    def upload(self, source: Path) -> tuple[str, bool]:
        with source.open("rb") as stream:
            handle = self._post(source.name, stream)
        with self.http.stream("GET", f"/api/v1/sessions/{handle}/download") as answer:
            is_zip = next(answer.iter_bytes(4096))[:4] == b"PK\x03\x04"
        return handle, is_zip

    def download(self, handle: str) -> Iterator[bytes]:
        with self.http.stream("GET", f"/api/v1/sessions/{handle}/download") as answer:
            answer.raise_for_status()
            yield from answer.iter_bytes(64 * 1024)

    def close(self) -> None:
        self.http.close()
        self.child.terminate()
        self.child.wait(timeout=30)


def run(kind: str, make: Callable[[Path, int], None], size: int, work: Path,
        via: str) -> dict[str, object]:
    source = work / f"{kind}.upload"
    make(source, size)
    expected = hashlib.sha256()
    with source.open("rb") as stream:
        while chunk := stream.read(MiB):
            expected.update(chunk)
    targets: dict[str, Callable[[Path, int], Target]] = {
        "store": ThroughStore, "blobs": ThroughBlobs, "http": ThroughHttp}
    target = targets[via](work, size)
    watched = target.child.pid if isinstance(target, ThroughHttp) else None
    try:
        with peak_growth(watched) as imported:
            handle, is_bundle = target.upload(source)
        with peak_growth(watched) as downloaded:
            digest = hashlib.sha256()
            for chunk in target.download(handle):
                digest.update(chunk)
    finally:
        if isinstance(target, ThroughHttp):
            target.close()
    assert digest.hexdigest() == expected.hexdigest(), "download differs from the upload"
    assert is_bundle == (kind == "bundle")
    return {"via": via, "kind": kind, "file_mb": round(size / MiB, 1),
            "import_rss_growth_mb": round(imported["rss_growth_mb"], 1),
            "import_seconds": round(imported["seconds"], 1),
            "download_rss_growth_mb": round(downloaded["rss_growth_mb"], 1),
            "download_seconds": round(downloaded["seconds"], 1),
            "peak_from": "VmHWM" if imported["method"] else "sampled VmRSS"}


def calibrate() -> float:
    """The growth measured around a 64 MiB allocation: proves the instrument sees memory."""
    with peak_growth() as measured:
        ballast = b"\x01" * (64 * MiB)
        del ballast
    return measured["rss_growth_mb"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500)
    parser.add_argument("--kind", choices=["opaque", "bundle", "both"], default="both")
    parser.add_argument("--via", choices=["store", "blobs", "http"], default="store",
                        help="the Store facade on SQLite, the blob store alone, or the HTTP "
                        "API in a child process (its RSS is measured)")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where to write the files (default: a temp folder)")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    makers = {"opaque": make_opaque, "bundle": make_bundle}
    kinds = list(makers) if args.kind == "both" else [args.kind]
    seen = calibrate()
    print(json.dumps({"calibration_64_mib_allocation_seen_mb": round(seen, 1)}))
    if seen < 60:
        print("FAIL: the RSS measurement does not see a 64 MiB allocation")
        return 2
    failed = False
    for kind in kinds:
        with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
            row = run(kind, makers[kind], args.size_mb * MiB, Path(folder), args.via)
            print(json.dumps(row))
        worst = max(float(str(row["import_rss_growth_mb"])),
                    float(str(row["download_rss_growth_mb"])))
        failed = failed or worst >= LIMIT_MB
    print("FAIL: RSS grew by 50 MB or more" if failed else "OK: RSS grew by less than 50 MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
