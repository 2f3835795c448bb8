"""`python -m sync.cli`: the same entry point as the `xray-sync` console script."""

from sync.cli import main

main()
