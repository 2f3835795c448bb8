"""Suite-wide setup: no test may read beside the repository (see tests/bounds.py)."""

from tests.bounds import install_guard

install_guard()
