"""The one exception that stops a run; its message is Chinese and meant for a teacher.

A problem in the data is a finding (see `xlsync.core.findings`) and the run goes on; a
problem that stops the run (unreadable file, refused write) is an `XlsyncError`, which the
CLI turns into one line on stderr and exit code 2.
"""


class XlsyncError(Exception):
    """A run cannot go on; `str(err)` is the Chinese message shown to the user."""
