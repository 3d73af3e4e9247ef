"""xlsync: validate, track and consolidate the support work for left-behind children.

Pure core (`xlsync.core`) on tables; edges for workbook files (`xlsync.files`); a thin
click CLI (`xlsync.cli`) on top.
"""

import os

# openpyxl switches its XML reader and writer to lxml whenever lxml is installed (python-docx,
# an optional dependency, brings it). xlsync's writers and its kept-content checks are built and
# tested on openpyxl's standard-library path; with lxml, formula results and text that looks like
# a formula come out differently. So xlsync fixes the choice before openpyxl is first imported.
os.environ["OPENPYXL_LXML"] = "False"

__version__ = "0.1.0"
