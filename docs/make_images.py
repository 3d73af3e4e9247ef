"""Render the README's pictures of the master (概览, 逾期清单, 校验问题), of one printed
留守儿童档案卡 (`xlsync print`, issue 20) and of the first page of the 工作报告 workbook and of
its Word draft 工作总结 (`xlsync report --docx`, issue 21) from the demo school.

    python docs/make_images.py [--out docs/images]

Builds the demo school as of 2026-11-30 in a temporary folder, has LibreOffice print its
全校汇总 to PDF (as the tests do) and saves the first page of each of the three sheets as a
small PNG (pdftoppm, 60 dpi). Needs soffice and poppler-utils (pdftotext, pdftoppm)."""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import tempfile
from pathlib import Path

from xlsync.demo import generate_school
from xlsync.jobs.consolidate import consolidate

AS_OF = dt.date(2026, 11, 30)
PICTURES = {"概览": "overview", "逾期清单": "overdue", "校验问题": "issues"}


def master_pdf(work: Path) -> Path:
    """The demo school's 全校汇总, printed by LibreOffice."""
    master = generate_school(work / "演示学校", AS_OF)
    consolidate(master, as_of=AS_OF)
    profile = f"-env:UserInstallation=file://{work / 'lo-profile'}"
    command = ["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir", str(work)]
    subprocess.run([*command, str(master)], check=True, timeout=600, capture_output=True)
    return work / (master.stem + ".pdf")


def first_pages(pdf: Path) -> dict[str, int]:
    """The first page of each sheet, found by the sheet's name in the page's footer."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    found: dict[str, int] = {}
    for number, page in enumerate(text.stdout.split("\f"), start=1):
        lines = [line for line in page.splitlines() if line.strip()]
        words = lines[-1].split() if lines else []
        if len(words) > 1:
            found.setdefault(words[1], number)
    return found


def dossier_pdf(master: Path) -> Path:
    """三年级1班's printout as `xlsync print 全校汇总.xlsx --class 三年级1班 --pdf` makes it."""
    from xlsync.jobs.print import Selection, print_dossiers

    done = print_dossiers([master], Selection(classes=["三年级1班"]), as_of=AS_OF, pdf=True)
    assert done.pdf is not None
    return done.pdf


def report_pdfs(master: Path) -> list[tuple[str, Path]]:
    """The 工作报告 workbook and its Word draft as `xlsync report 全校汇总.xlsx --docx` makes
    them, printed by LibreOffice (Writer for the draft)."""
    from xlsync.files.soffice import to_pdf
    from xlsync.jobs.report import make_report
    from xlsync.jobs.report_draft import add_draft

    result = make_report(master, as_of=AS_OF)
    assert result.workbook is not None
    draft = add_draft(result)
    return [("report", to_pdf(result.workbook)), ("draft", to_pdf(draft))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "images")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        pdf = master_pdf(Path(folder))
        pages = first_pages(pdf)
        for sheet, name in PICTURES.items():
            page = str(pages[sheet])
            prefix = out / name
            command = ["pdftoppm", "-png", "-r", "60", "-f", page, "-l", page, "-singlefile"]
            subprocess.run([*command, str(pdf), str(prefix)], check=True)
            print(f"{sheet}: page {page} → {prefix}.png")
        pdf = dossier_pdf(Path(folder) / "演示学校" / "全校汇总.xlsx")
        command = ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"]
        subprocess.run([*command, str(pdf), str(out / "dossier")], check=True)
        print(f"留守儿童档案卡: page 1 → {out / 'dossier'}.png")
        for name, pdf in report_pdfs(Path(folder) / "演示学校" / "全校汇总.xlsx"):
            subprocess.run([*command, str(pdf), str(out / name)], check=True)
            print(f"{pdf.stem}: page 1 → {out / name}.png")


if __name__ == "__main__":
    main()
