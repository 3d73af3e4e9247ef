"""Open a workbook in LibreOffice through UNO and print the first cell of its first sheet.

Run with the system Python that has Debian's python3-uno:
    /usr/bin/python3 tests/lo_open.py FILE [PASSWORD]
Prints "OPENED <text>" or "NOT OPENED". Used by tests/test_export.py to show that an
encrypted export opens in a real spreadsheet program with its password and not without.
"""

import subprocess
import sys
import tempfile
import time

import uno  # noqa: F401  (Debian's python3-uno)
from com.sun.star.beans import PropertyValue


def prop(name, value):
    item = PropertyValue()
    item.Name, item.Value = name, value
    return item


def main(path, password=None):
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    pipe = f"xlsync{int(time.time() * 1000)}"
    office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nologo",
                               f"-env:UserInstallation=file://{profile}", f"--accept=pipe,name={pipe};urp;"])
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(120):
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.5)
    else:
        office.kill()
        print("NO OFFICE")
        return
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    properties = [prop("Hidden", True)] + ([prop("Password", password)] if password else [])
    try:
        document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, tuple(properties))
    except Exception:
        document = None
    if document is None:
        print("NOT OPENED")
    else:
        print("OPENED", document.Sheets.getByIndex(0).getCellByPosition(0, 0).String)
        document.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass
    office.wait(timeout=60)


if __name__ == "__main__":
    main(*sys.argv[1:])
