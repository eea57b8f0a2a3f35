"""Checks Quire's formatting tools with openpyxl, an independent reader.

Usage: format_check.py QUIRE_BINARY CORPUS_DIR

1. openpyxl writes a small workbook; `quire doc apply` formats it with every formatting tool
   (which also proves Quire edits files openpyxl made). openpyxl must read back the fonts, fills,
   number formats, alignment, borders, merged ranges, frozen panes, column widths, row heights,
   the auto-filter and the page setup (orientation, fitting, paper, margins, print area and title
   rows, with the title columns openpyxl set kept) as they were set.
2. The same calls run on a corpus workbook made by Excel; openpyxl must load the result and see
   the formats, and the sheet keeps its printer settings.
Set QUIRE_SHARED_DIR to use another shared/ folder than CORPUS_DIR's.
"""

import os
import re
import sys
import tempfile
import warnings
import zipfile

import openpyxl

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import oracle_checks  # noqa: E402

checks = oracle_checks.Checks()
check = checks.check


def rgb(color):
    """The RRGGBB part of an openpyxl colour, or None."""
    value = getattr(color, "rgb", None)
    return value[-6:].upper() if isinstance(value, str) else None


def write_blank(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Region", "Units", "Share", "Shipped", "A rather long note about the row"])
    ws.append(["North", 1200, 0.25, 45306, "ok"])
    ws.append(["South", 800, 0.75, 45337, "late"])
    ws["B2"].font = openpyxl.styles.Font(italic=True)
    ws.print_title_cols = "A:A"
    wb.save(path)


def calls(sheet):
    def call(tool, **args):
        return {"tool": tool, "args": {"sheet": sheet, **args}}

    return [
        call("format_range", range="A1:E1", bold=True, fill_color="#1F4E79", font_color="FFFFFF",
             horizontal="center", vertical="center", wrap=True),
        call("format_range", range="B2:B3", number_format="integer", bold=True),
        call("format_range", range="C2:C3", number_format="percent"),
        call("format_range", range="D2:D3", number_format="date"),
        call("format_range", range="A1:E3", border="thin", border_color="808080"),
        call("format_range", range="J12:K13", border="double", border_outline=True,
             font_name="Arial", font_size=14, underline=True),
        call("merge_cells", range="G1:H2"),
        call("merge_cells", range="J1:K1"),
        call("unmerge_cells", range="J1:K1"),
        call("freeze_panes", ref="B2"),
        call("set_column_width", columns="A", width=20),
        call("set_column_width", columns="C:D", width=14.5),
        call("set_column_width", columns="E", fit=True),
        call("set_row_height", rows="1", height=30),
        call("set_auto_filter", range="A1:E3"),
        call("set_page_setup", orientation="landscape", paper="a4", fit_to_width=1,
             fit_to_height=0, margins={"top": 0.5, "left": 0.4}, print_area="A1:H40",
             print_titles_rows="1:1", center_horizontally=True),
    ]


def apply(quire, source, out, sheet):
    result = oracle_checks.apply_calls(quire, source, calls(sheet), out)
    return check(result.returncode == 0,
                 f"quire doc apply failed: {result.stdout.strip()} {result.stderr.strip()}")


def check_formats(ws, label, strict_checks=True):
    a1 = ws["A1"]
    check(a1.font.b, f"{label}: A1 bold")
    check(rgb(a1.font.color) == "FFFFFF", f"{label}: A1 font colour {a1.font.color}")
    check(a1.fill.fill_type == "solid", f"{label}: A1 fill type {a1.fill.fill_type}")
    check(rgb(a1.fill.fgColor) == "1F4E79", f"{label}: A1 fill colour {a1.fill.fgColor}")
    check(a1.alignment.horizontal == "center", f"{label}: A1 horizontal {a1.alignment.horizontal}")
    check(a1.alignment.vertical == "center", f"{label}: A1 vertical {a1.alignment.vertical}")
    check(a1.alignment.wrap_text, f"{label}: A1 wraps")
    check(a1.border.left.style == "thin", f"{label}: A1 left border {a1.border.left.style}")
    check(rgb(a1.border.bottom.color) == "808080", f"{label}: A1 border colour")

    check(ws["B2"].number_format == "#,##0", f"{label}: B2 format {ws['B2'].number_format}")
    check(ws["B2"].font.b, f"{label}: B2 bold")
    check(ws["C2"].number_format == "0.00%", f"{label}: C2 format {ws['C2'].number_format}")
    check(ws["D2"].number_format == "yyyy-mm-dd", f"{label}: D2 format {ws['D2'].number_format}")
    check(ws["D2"].is_date, f"{label}: D2 reads as a date")

    # The outline border: corners get two edges, the inside none.
    check(ws["J12"].border.left.style == "double" and ws["J12"].border.top.style == "double",
          f"{label}: J12 outline corner")
    check(ws["J12"].border.right.style is None, f"{label}: J12 has no inner right edge")
    check(ws["K13"].border.right.style == "double" and ws["K13"].border.bottom.style == "double",
          f"{label}: K13 outline corner")
    check(ws["J12"].font.name == "Arial" and ws["J12"].font.sz == 14, f"{label}: J12 font")
    check(ws["J12"].font.u == "single", f"{label}: J12 underline {ws['J12'].font.u}")

    merged = sorted(str(r) for r in ws.merged_cells.ranges)
    check("G1:H2" in merged and "J1:K1" not in merged, f"{label}: merged {merged}")
    check(ws.freeze_panes == "B2", f"{label}: frozen at {ws.freeze_panes}")
    check(abs(ws.column_dimensions["A"].width - 20) < 1e-9,
          f"{label}: A width {ws.column_dimensions['A'].width}")
    check(abs(ws.column_dimensions["C"].width - 14.5) < 1e-9, f"{label}: C width")
    check(abs(ws.column_dimensions["D"].width - 14.5) < 1e-9, f"{label}: D width")
    check(ws.row_dimensions[1].height == 30, f"{label}: row 1 height {ws.row_dimensions[1].height}")
    check(ws.auto_filter.ref == "A1:E3", f"{label}: auto-filter {ws.auto_filter.ref}")
    check_page_setup(ws, label)
    if strict_checks:
        check(ws.column_dimensions["E"].width > ws.column_dimensions["D"].width,
              f"{label}: the long-note column was fitted wider")
        check(ws["B2"].font.i, f"{label}: B2 kept its italic from openpyxl")


def check_page_setup(ws, label):
    setup = ws.page_setup
    check(setup.orientation == "landscape", f"{label}: orientation {setup.orientation}")
    fit = ws.sheet_properties.pageSetUpPr
    check(fit is not None and fit.fitToPage, f"{label}: fit to page {fit}")
    check(setup.fitToWidth in (1, "1") and setup.fitToHeight in (0, "0"),
          f"{label}: fitted {setup.fitToWidth} wide, {setup.fitToHeight} tall")
    check(setup.paperSize in (9, "9"), f"{label}: paper size {setup.paperSize}")
    check(ws.page_margins.top == 0.5 and ws.page_margins.left == 0.4,
          f"{label}: margins {ws.page_margins.top} {ws.page_margins.left}")
    check(ws.print_options.horizontalCentered, f"{label}: centred horizontally")
    area = ws.print_area
    area = ",".join(area) if isinstance(area, list) else str(area)
    check("$A$1:$H$40" in area, f"{label}: print area {area}")
    rows = str(ws.print_title_rows).replace("$", "")
    check(rows == "1:1", f"{label}: print title rows {ws.print_title_rows}")


def check_printer_settings_kept(path, label):
    """The budget sheet's pageSetup keeps its r:id and the printer settings part stays."""
    with zipfile.ZipFile(path) as package:
        sheet = package.read("xl/worksheets/sheet1.xml").decode()
        rels = package.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
        names = package.namelist()
    page = re.search(r"<pageSetup [^>]*>", sheet)
    check(page is not None and 'r:id="rId1"' in page.group(0), f"{label}: pageSetup {page}")
    check("printerSettings1.bin" in rels, f"{label}: printer settings relationship kept")
    check("xl/printerSettings/printerSettings1.bin" in names, f"{label}: printer settings kept")


def check_openpyxl_made(quire, workdir):
    source = os.path.join(workdir, "blank.xlsx")
    out = os.path.join(workdir, "formatted.xlsx")
    write_blank(source)
    if not apply(quire, source, out, "Data"):
        return
    wb = openpyxl.load_workbook(out)
    ws = wb["Data"]
    check_formats(ws, "openpyxl-made")
    check(ws["A2"].value == "North" and ws["B2"].value == 1200, "values survive formatting")
    names = wb.defined_names if hasattr(wb.defined_names, "keys") else {}
    check("_xlnm._FilterDatabase" not in names, "the filter name is sheet-local, not global")
    cols = str(ws.print_title_cols).replace("$", "")
    check(cols == "A:A", f"the title columns openpyxl set are kept: {ws.print_title_cols}")


def check_corpus(quire, corpus, workdir):
    source = os.path.join(corpus, "xlsx/poi-simple-monthly-budget.xlsx")
    out = os.path.join(workdir, "budget.xlsx")
    sheet = openpyxl.load_workbook(source).sheetnames[0]
    if not apply(quire, source, out, sheet):
        return
    try:
        wb = openpyxl.load_workbook(out)
    except Exception as error:  # openpyxl raises many types for a broken file
        check(False, f"openpyxl cannot load the formatted corpus file: {error}")
        return
    check_formats(wb[sheet], "budget", strict_checks=False)
    check_printer_settings_kept(out, "budget")


def main():
    warnings.simplefilter("ignore")
    quire, corpus = oracle_checks.arguments(__doc__, 2)
    with tempfile.TemporaryDirectory() as workdir:
        check_openpyxl_made(quire, workdir)
        check_corpus(quire, oracle_checks.corpus_dir(corpus), workdir)
    return checks.finish("openpyxl")


if __name__ == "__main__":
    sys.exit(main())
