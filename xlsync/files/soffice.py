"""Convert a workbook to PDF with LibreOffice (`soffice --headless`), for `xlsync print --pdf`."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from xlsync.errors import XlsyncError

TIMEOUT = 600  # seconds: a whole school's cards take LibreOffice about a minute on a slow PC


def to_pdf(workbook: Path) -> Path:
    """The PDF LibreOffice prints of `workbook`, beside it; a Chinese message without soffice."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        raise XlsyncError(
            f"这台电脑没有安装 LibreOffice，不能生成 PDF。可打印的工作簿已经生成：{workbook}，"
            "用 Excel 或 WPS 打开后直接打印即可；要 PDF，请先安装 LibreOffice（免费）再加 --pdf。"
        )
    with tempfile.TemporaryDirectory(prefix="xlsync-lo-") as profile:
        command = [
            office,
            f"-env:UserInstallation={Path(profile).as_uri()}",  # never the user's own profile
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(workbook.parent),
            str(workbook),
        ]
        try:
            subprocess.run(command, check=True, timeout=TIMEOUT, capture_output=True)
        except (OSError, subprocess.SubprocessError) as error:
            raise XlsyncError(f"LibreOffice 没能把「{workbook}」转成 PDF（{error}）。") from None
    pdf = workbook.with_suffix(".pdf")
    if not pdf.is_file():
        raise XlsyncError(f"LibreOffice 没有生成「{pdf}」。请用 Excel 或 WPS 打开工作簿打印。")
    return pdf
