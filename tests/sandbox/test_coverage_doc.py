"""The coverage table in docs/sandbox.md is what scripts/sandbox_coverage.py computes now."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def coverage_script() -> ModuleType:
    """scripts/sandbox_coverage.py, loaded as a module."""
    found = importlib.util.spec_from_file_location("sandbox_coverage",
                                                   ROOT / "scripts" / "sandbox_coverage.py")
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    sys.modules["sandbox_coverage"] = module  # its dataclasses look their module up
    found.loader.exec_module(module)
    return module


def test_docs_carry_the_computed_coverage_table() -> None:
    """docs/sandbox.md holds the script's table verbatim (a new route updates the doc)."""
    table = coverage_script().main()
    assert table in (ROOT / "docs" / "sandbox.md").read_text(encoding="utf-8")


def test_every_claimed_resource_is_counted_from_the_document() -> None:
    """The claimed resources served add up, and remote links are served whole."""
    script = coverage_script()
    spec = json.loads(script.SPEC.read_text(encoding="utf-8"))
    resources = {r.tag: r for r in script.coverage(spec, script.served_operations())}
    assert resources["Issue remote links"].missing == []
    assert resources["Issue comments"].served and "Dashboards" not in resources
    assert all(r.documented == len(r.served) + len(r.missing) for r in resources.values())
