"""xlsync: validate, track and consolidate the support work for left-behind children.

Pure core (`xlsync.core`) on tables; edges for workbook files (`xlsync.files`); a thin
click CLI (`xlsync.cli`) on top.
"""

import os

# openpyxl reads and writes through lxml whenever lxml is installed (python-docx of the
# `report` extra brings it), and its output then differs: templates no longer match the
# committed ones and the writers' kept-content check refuses rewrites of files LibreOffice
# saved. xlsync's files are the same with or without the extra: openpyxl's own XML path,
# unless the user chose otherwise. Set before anything imports openpyxl.
os.environ.setdefault("OPENPYXL_LXML", "False")

__version__ = "0.1.0"
