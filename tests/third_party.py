"""Where the third-party data the tests check against lives: Atlassian's and Xray's
published API descriptions (`specs/`) and payloads recorded from real Jira and Xray
sites (`fixtures/`), kept in the repository with their licences and provenance
(`tests/data/third_party/README.md`)."""

from __future__ import annotations

from pathlib import Path

THIRD_PARTY = Path(__file__).resolve().parent / "data" / "third_party"
SPECS = THIRD_PARTY / "specs"
FIXTURES = THIRD_PARTY / "fixtures"
