"""Checks workbooks Quire writes with openpyxl, an independent reader.

Usage: openpyxl_check.py XLSX_SAMPLE_WRITER CORPUS_DIR

1. The writer builds a sample workbook (typed table, renamed sheet, formulas); openpyxl must see
   the sheet names, values, types, bold frozen header and formula text that were written, with
   the prefix of functions newer than Excel 2007.
2. The writer edits a few corpus workbooks (three cells on the first worksheet); openpyxl must
   still load each one and see the edits.
Set QUIRE_SHARED_DIR to use another shared/ folder than CORPUS_DIR's.
"""

import datetime
import os
import subprocess
import sys
import tempfile
import warnings

import openpyxl

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import oracle_checks  # noqa: E402

# Strict OOXML files are left out: openpyxl itself reads no sheets from them, edited or not.
EDITED_CORPUS = [
    "xlsx/poi-simple-monthly-budget.xlsx",
    "xlsx/poi-stress002.xlsx",
    "xlsx/closedxml-samplesparklines.xlsx",
    "xlsx/rxw-table06.xlsx",
    "xlsx/calamine-pivots.xlsx",
    "xlsx/poi-57181.xlsm",
]

checks = oracle_checks.Checks()
check = checks.check


def check_sample(writer, workdir):
    path = os.path.join(workdir, "sample.xlsx")
    subprocess.run([writer, path], check=True)
    wb = openpyxl.load_workbook(path)
    check(wb.sheetnames == ["Sales Data", "Summary"], f"sheet names {wb.sheetnames}")
    ws = wb["Sales Data"]

    header = [c.value for c in ws[1]]
    check(header == ["Region", "Units", "Price", "Shipped", "Paid", "Note"], f"header {header}")
    check(all(c.font.b for c in ws[1]), "header cells are bold")
    check(not ws["A2"].font.b, "data cells are not bold")
    check(ws.freeze_panes == "A2", f"frozen pane {ws.freeze_panes}")

    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=4)]
    expected = [
        ["North", 12, 3.5, datetime.datetime(2024, 1, 15), True, "=not a formula"],
        ["South", 7, 4.25, datetime.datetime(2024, 2, 15), False, " padded "],
        ["Überland café", 0, -1.5, datetime.datetime(2024, 3, 15), True, None],
    ]
    check(rows == expected, f"rows {rows}")
    check(ws["F2"].data_type == "s", "text starting with '=' is stored as text")
    check(ws["D2"].is_date, "date cells carry a date format")
    check(ws.column_dimensions["A"].width > ws.column_dimensions["B"].width,
          "the column of long names is wider")
    check(ws.max_row == 4 and ws.max_column == 6, f"extent {ws.max_row}x{ws.max_column}")

    summary = wb["Summary"]
    check(summary["A1"].value == "Total units", f"A1 {summary['A1'].value}")
    check(summary["B1"].value == "=SUM('Sales Data'!B2:B4)", f"B1 {summary['B1'].value}")
    check(summary["B2"].value == "='Sales Data'!C2*'Sales Data'!B2", f"B2 {summary['B2'].value}")
    # Functions newer than Excel 2007 carry the prefix the file format gives them; openpyxl
    # shows the formula as stored.
    newer = [summary[f"B{row}"].value for row in range(3, 7)]
    check(newer == ['=_xlfn.CONCAT("a","b")', '=_xlfn.IFS(B1>0,"some",TRUE,"none")',
                    '=_xlfn.TEXTJOIN("-",TRUE,"x","y")',
                    "=_xlfn.XLOOKUP(12,'Sales Data'!B2:B4,'Sales Data'!A2:A4)"],
          f"newer functions {newer}")


def check_edited_corpus(writer, corpus, workdir):
    for name in EDITED_CORPUS:
        source = os.path.join(corpus, name)
        out = os.path.join(workdir, os.path.basename(name))
        result = subprocess.run([writer, "--edit", source, out], capture_output=True, text=True)
        if result.returncode != 0:
            check(False, f"{name}: writer failed: {result.stderr.strip()}")
            continue
        sheet = result.stdout.strip()
        try:
            wb = openpyxl.load_workbook(out)
        except Exception as error:  # openpyxl raises many types for a broken file
            check(False, f"{name}: openpyxl cannot load the edited file: {error}")
            continue
        if sheet not in wb.sheetnames:
            check(False, f"{name}: sheet {sheet!r} missing after the edit")
            continue
        ws = wb[sheet]
        check(ws["Z100"].value == 42, f"{name}: Z100 {ws['Z100'].value}")
        check(ws["Z101"].value == "edited by Quire", f"{name}: Z101 {ws['Z101'].value}")
        check(ws["Z102"].value == "=Z100*2", f"{name}: Z102 {ws['Z102'].value}")


def main():
    # openpyxl warns about every extension it drops while reading; that is not our concern here.
    warnings.simplefilter("ignore")
    writer, corpus = oracle_checks.arguments(__doc__, 2)
    with tempfile.TemporaryDirectory() as workdir:
        check_sample(writer, workdir)
        check_edited_corpus(writer, oracle_checks.corpus_dir(corpus), workdir)
    return checks.finish("openpyxl")


if __name__ == "__main__":
    sys.exit(main())
