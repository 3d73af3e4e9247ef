"""Open a workbook in LibreOffice through UNO and print the first cell of its first sheet.

Run with the system Python that has Debian's python3-uno:
    /usr/bin/python3 tests/lo_open.py FILE [PASSWORD] [--filter=NAME] [--basic]
Prints "OPENED <text>" or "NOT OPENED". Used by tests/test_export.py to show that an
encrypted export opens in a real spreadsheet program with its password and not without,
and by tests/test_addin.py (an add-in is opened with an explicit filter: LibreOffice's type
detection does not take .xlam; --basic adds the VBA modules LibreOffice imported).
"""

import sys

import uno  # noqa: F401  (Debian's python3-uno)
from lo_office import close_office, office_desktop, prop


def main(path, password=None, filter_name=None, basic=False):
    try:
        office, desktop = office_desktop()
    except SystemExit:
        print("NO OFFICE")
        return
    properties = (
        [prop("Hidden", True)]
        + ([prop("Password", password)] if password else [])
        + ([prop("FilterName", filter_name)] if filter_name else [])
    )
    try:
        document = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(path), "_blank", 0, tuple(properties)
        )
    except Exception:
        document = None
    if document is None:
        print("NOT OPENED")
    else:
        modules = []
        if basic:
            libraries = document.BasicLibraries
            for name in libraries.getElementNames():
                libraries.loadLibrary(name)
                modules += [f"{name}.{m}" for m in libraries.getByName(name).getElementNames()]
        print(
            "OPENED", document.Sheets.getByIndex(0).getCellByPosition(0, 0).String, *sorted(modules)
        )
        document.close(True)
    close_office(office, desktop)


if __name__ == "__main__":
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    named = dict(a[2:].split("=", 1) for a in flags if "=" in a)
    main(
        *[a for a in sys.argv[1:] if a not in flags],
        filter_name=named.get("filter"),
        basic="--basic" in flags,
    )
