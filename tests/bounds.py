"""The repository's bounds: which paths a test, module or script may open.

A fresh clone has nothing beside it, but the machine that runs CI does (other clones,
shared folders). A test that reads a sibling of the repository passes there and fails
for every new user, so the suite refuses such reads as they happen (an audit hook
installed by `tests/conftest.py`) and `tests/test_bounds.py` looks for such paths in
the sources.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


class OutsideRepositoryError(PermissionError):
    """A test opened a path beside the repository, which a fresh clone does not have."""


def allowed_roots() -> list[str]:
    """Folders outside the repository that tests legitimately use: temporary files, the
    interpreter and its packages, the home folder."""
    roots = {tempfile.gettempdir(), sys.prefix, sys.base_prefix, str(Path.home())}
    roots.update(p for p in sys.path if p)
    return [os.path.realpath(r) for r in roots]


def forbidden_siblings(repository: Path, allowed: Iterable[str]) -> list[str]:
    """The entries beside the repository that no test may touch: every sibling, except
    one that holds (or is inside) a folder tests legitimately use."""
    parent = repository.parent
    if parent == Path(parent.anchor):
        return []  # a clone at the file system's root has no siblings of its own
    allowed = list(allowed)
    siblings = []
    for entry in parent.iterdir():
        path = os.path.realpath(entry)
        if entry.name == repository.name or any(_within(a, path) or _within(path, a)
                                                 for a in allowed):
            continue
        siblings.append(path)
    return siblings


def is_forbidden(path: object, siblings: list[str]) -> bool:
    """True when `path` (as an audit event gives it) lies in one of `siblings`."""
    if isinstance(path, int) or path is None:
        return False  # a file descriptor or the current folder
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        return False
    absolute = os.path.abspath(os.fspath(path))  # noqa: PTH100 - no symlink resolution in a hot audit hook
    return any(_within(absolute, sibling) for sibling in siblings)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


_WATCHED = frozenset({"open", "os.listdir", "os.scandir", "os.chdir", "os.mkdir"})


def install_guard(repository: Path = REPOSITORY, allowed: Iterable[str] | None = None) -> None:
    """Refuse, for the rest of the process, any open or listing beside the repository."""
    siblings = forbidden_siblings(repository, allowed_roots() if allowed is None else allowed)
    if not siblings:
        return

    def guard(event: str, args: tuple[object, ...]) -> None:
        if event in _WATCHED and args and is_forbidden(args[0], siblings):
            raise OutsideRepositoryError(
                f"{args[0]} is outside the repository ({repository}); a fresh clone has "
                "nothing beside it: keep test data in tests/data/")

    sys.addaudithook(guard)
