"""Open a workbook in LibreOffice through UNO and print, as JSON, each row of one sheet: its
height as the file sets it and the height LibreOffice itself finds its text needs (its
"optimal row height"), both in 1/100 mm.

Run with the system Python that has Debian's python3-uno:
    /usr/bin/python3 tests/lo_heights.py FILE SHEET
Used by tests/test_todo_print.py: a row LibreOffice needs taller is cut when printed (a link's
underline first), a row much taller than it needs prints with a blank line under its text.
"""

import json
import sys

import uno  # noqa: F401  (Debian's python3-uno)
from lo_office import close_office, office_desktop, prop


def main(path, sheet_name):
    office, desktop = office_desktop()
    document = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(path), "_blank", 0, (prop("Hidden", True),)
    )
    sheet = document.Sheets.getByName(sheet_name)
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    rows = []
    for index in range(cursor.RangeAddress.EndRow + 1):
        row = sheet.getRows().getByIndex(index)
        given = row.Height
        row.OptimalHeight = True
        rows.append({"row": index + 1, "height": given, "needed": row.Height})
    print(json.dumps(rows))
    document.close(True)
    close_office(office, desktop)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
