"""`xray-sync doctor`: a readiness report of a live configuration, each failure with its fix.

`run_doctor(config)` (in `gather`) reads; `site_checks` and `local_checks` judge; `report`
holds the verdicts. The CLI only prints them.
"""

from sync.doctor.gather import run_doctor
from sync.doctor.report import Check, Report

__all__ = ["Check", "Report", "run_doctor"]
