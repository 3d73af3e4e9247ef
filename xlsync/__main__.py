"""`python -m xlsync`: the same as the `xlsync` command (used by the 汇总 scripts)."""

from xlsync.cli import main

main()
