"""Start LibreOffice headless with its own profile and reach its Desktop through UNO: the part
tests/lo_open.py and tests/lo_heights.py share. Run only under the system Python that has
Debian's python3-uno.
"""

import subprocess
import tempfile
import time

import uno  # noqa: F401  (Debian's python3-uno)
from com.sun.star.beans import PropertyValue


def prop(name, value):
    item = PropertyValue()
    item.Name, item.Value = name, value
    return item


def office_desktop():
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    pipe = f"xlsync{int(time.time() * 1000)}"
    office = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=pipe,name={pipe};urp;",
        ]
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    for _ in range(120):
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.5)
    else:
        office.kill()
        raise SystemExit("NO OFFICE")
    return office, context.ServiceManager.createInstanceWithContext(
        "com.sun.star.frame.Desktop", context
    )


def close_office(office, desktop):
    """End the LibreOffice that office_desktop started."""
    try:
        desktop.terminate()
    except Exception:
        pass
    office.wait(timeout=60)
