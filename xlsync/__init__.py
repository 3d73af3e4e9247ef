"""xlsync: validate, track and consolidate the support work for left-behind children.

Pure core (`xlsync.core`) on tables; edges for workbook files (`xlsync.files`); a thin
click CLI (`xlsync.cli`) on top.
"""

__version__ = "0.1.0"
