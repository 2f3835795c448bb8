"""Nothing in the repository reads or names a path outside it: a fresh clone has
nothing beside it (see tests/bounds.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.bounds import REPOSITORY, forbidden_siblings, is_forbidden

# Files the product, its tests and its scripts are made of; third-party data is
# checked against, not checked.
SOURCE_SUFFIXES = {".py", ".sh", ".toml", ".md", ".ini", ".cfg", ".service", ".yml",
                   ".yaml", ".json", ".html", ".js", ".css", ""}
SKIPPED_FOLDERS = ("tests/data/third_party/", ".git/", ".venv/")

# How an outside path is usually named: the old shared folder, an absolute path of a
# build machine, or a climb out of the repository built from `__file__`.
OUTSIDE_PATTERNS = [
    re.compile(r"\.\./shared\b"),
    re.compile(r"""["']/work/"""),
    re.compile(r"""/work/shared\b"""),
    re.compile(r"""parents\[\d+\]\s*\.parent\b"""),
    re.compile(r"""/\s*["']\.\.["']\s*/"""),
]
RELATIVE = re.compile(r"""(?<![\w.])((?:\.\./)+)[\w.-]+""")


def repository_files() -> list[Path]:
    """The files git tracks (or, without git, every file but the skipped folders)."""
    try:
        names = subprocess.run(["git", "ls-files"], cwd=REPOSITORY, check=True,
                               capture_output=True, text=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        names = [str(p.relative_to(REPOSITORY)) for p in REPOSITORY.rglob("*") if p.is_file()]
    return [REPOSITORY / n for n in names
            if not n.startswith(SKIPPED_FOLDERS) and Path(n).suffix in SOURCE_SUFFIXES
            and (REPOSITORY / n).is_file()]


def outside_references(path: Path, root: Path = REPOSITORY) -> list[str]:
    """The lines of `path` that name a place outside the repository at `root`."""
    found = []
    text = path.read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), 1):
        if any(p.search(line) for p in OUTSIDE_PATTERNS):
            found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
            continue
        if path.is_relative_to(root / "tests") and path.suffix == ".py":
            continue  # tests climb out on purpose as attack input; their opens are guarded
        for match in RELATIVE.finditer(line):
            # Documents link relative to themselves; code and scripts run from the root.
            base = path.parent if path.suffix == ".md" else root
            target = (base / match.group(0)).resolve()
            if not target.is_relative_to(root):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_no_source_names_a_path_outside_the_repository() -> None:
    """No module, test, script, config or document names a path beside the repository."""
    offenders = [hit for f in repository_files() if f != Path(__file__)
                 for hit in outside_references(f)]
    assert offenders == []


def test_the_scan_finds_a_climb_out_of_the_repository(tmp_path: Path) -> None:
    """The scan reports the forms an outside path took before (so a regression is seen)."""
    root = tmp_path / "clone"
    (root / "tests").mkdir(parents=True)
    (root / "scripts").mkdir()
    test = root / "tests" / "probe_outside.py"
    test.write_text('A = Path(__file__).resolve().parents[2].parent / "elsewhere"\n'
                    'B = Path(__file__).parent / ".." / ".." / "elsewhere"\n'
                    'C = Path("/work/elsewhere/fixtures/webhooks")\n', encoding="utf-8")
    script = root / "scripts" / "probe"
    script.write_text("cat ../elsewhere/file.txt\n", encoding="utf-8")
    assert (len(outside_references(test, root)), len(outside_references(script, root))) == (3, 1)


def test_a_sibling_of_the_repository_is_forbidden_and_the_repository_is_not(
        tmp_path: Path) -> None:
    """Only the entries beside the repository are forbidden, not the repository itself."""
    repo, beside = tmp_path / "clone", tmp_path / "beside"
    repo.mkdir()
    beside.mkdir()
    siblings = forbidden_siblings(repo, allowed=[])
    assert (is_forbidden(beside / "specs" / "a.json", siblings),
            is_forbidden(repo / "tests" / "a.json", siblings)) == (True, False)


def test_the_guard_refuses_to_open_a_file_beside_the_repository(tmp_path: Path) -> None:
    """With the guard installed, opening a file beside the repository raises."""
    repo, beside = tmp_path / "clone", tmp_path / "beside"
    repo.mkdir()
    beside.mkdir()
    (beside / "spec.json").write_text("{}")
    script = (
        "import sys\nfrom pathlib import Path\nfrom tests.bounds import install_guard\n"
        f"install_guard(Path({str(repo)!r}), allowed=[])\n"
        f"open({str(beside / 'spec.json')!r})\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY,
                            capture_output=True, text=True, check=False)
    assert "OutsideRepositoryError" in result.stderr
