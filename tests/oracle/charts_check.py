"""Checks charts Quire adds with readers Quire does not control: openpyxl and LibreOffice.

Usage: charts_check.py QUIRE CORPUS_DIR openpyxl|libreoffice

1. openpyxl writes a workbook of monthly sales; `quire doc apply` adds a sheet with charts of
   every type over that data, moves one chart across sheets and deletes another.
2. `quire doc apply` adds a sheet with a chart over the existing data of a corpus workbook (and,
   for openpyxl, of a few more).
3. openpyxl writes 1,461 days of visits (dates formatted yyyy-mm-dd); Quire adds a line chart.
With "openpyxl", openpyxl must load the results and find the charts, their types, titles, series
references, anchors and cached points (all 1,461, the dates with their format code); every
series must carry its own colours (c:spPr); refused calls (text-only values, a chart name two
sheets share) must fail and change nothing. With "libreoffice", LibreOffice must convert the
results to PDF, each chart's title must be in the PDF's text (pdftotext), and the date axis
must show dates, not serial numbers.
"""

import os
import re
import shutil
import sys
import tempfile
import time
import warnings
import zipfile
from datetime import date, timedelta

import openpyxl
from openpyxl.chart import AreaChart, BarChart, DoughnutChart, LineChart, PieChart, ScatterChart

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import oracle_checks  # noqa: E402

CORPUS_WORKBOOK = "xlsx/poi-simple-monthly-budget.xlsx"
CORPUS_SHEET = "Simple Monthly Budget"
# Workbooks openpyxl reads, with and without charts of their own.
MORE_CORPUS = [
    "xlsx/rxw-chart_bar14.xlsx",
    "xlsx/oxsdk-basicspreadsheet.xlsx",
    "xlsx/rxw-table06.xlsx",
    "xlsx/closedxml-samplesparklines.xlsx",
    "xlsx/poi-stress002.xlsx",
]

checks = oracle_checks.Checks()
check = checks.check


def apply(quire, source, calls, out):
    result = oracle_checks.apply_calls(quire, source, calls, out)
    check(result.returncode == 0, f"quire doc apply {os.path.basename(source)}: "
                                  f"{result.stdout}{result.stderr}")


def chart_title(chart):
    if chart.title is None or chart.title.tx is None or chart.title.tx.rich is None:
        return ""
    return "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or []))


def sales_workbook(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales Data"
    ws.append(["Month", "North", "South"])
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
    for i, month in enumerate(months):
        ws.append([month, 10 + i * 3, 20 - i])
    wb.save(path)


SALES_SERIES = [
    {"name": "'Sales Data'!B1", "categories": "'Sales Data'!A2:A7",
     "values": "'Sales Data'!B2:B7"},
    {"name": "'Sales Data'!C1", "categories": "'Sales Data'!A2:A7",
     "values": "'Sales Data'!C2:C7"},
]

def sales_calls():
    calls = [{"tool": "add_sheet", "args": {"name": "Charts"}}]
    # Distinct titles, so that each can be found in the PDF's text.
    kinds = [("column", "Columnar Sales", "A1:H15"), ("bar", "Horizontal Sales", "J1:Q15"),
             ("line", "Linear Trend", "A17:H31"), ("area", "Shaded Area", "J17:Q31"),
             ("doughnut", "Ring Shares", "A33:H47"), ("scatter", "Scattered Points", "J33:Q47")]
    # Month names are no x values: the scatter plots South against North.
    scatter_series = [{"name": "'Sales Data'!C1", "categories": "'Sales Data'!B2:B7",
                       "values": "'Sales Data'!C2:C7"}]
    for kind, title, anchor in kinds:
        calls.append({"tool": "add_chart", "args": {
            "sheet": "Charts", "type": kind, "title": title, "anchor": anchor,
            "series": scatter_series if kind == "scatter" else SALES_SERIES,
            "x_axis_title": "Month", "y_axis_title": "Units", "name": title}})
    calls.append({"tool": "add_chart", "args": {
        "sheet": "Sales Data", "type": "pie", "title": "Northern Pie", "anchor": "E2",
        "series": SALES_SERIES[:1], "legend": "bottom", "data_labels": True, "name": "Pie"}})
    calls.append({"tool": "add_chart", "args": {
        "sheet": "Sales Data", "type": "line", "title": "Removed Later", "anchor": "E20",
        "series": SALES_SERIES[1:], "name": "Doomed"}})
    calls.append({"tool": "move_chart", "args": {"name": "Pie", "sheet": "Charts",
                                                 "anchor": "A49:H63"}})
    calls.append({"tool": "delete_chart", "args": {"name": "Doomed"}})
    return calls


SALES_TITLES = ["Columnar Sales", "Horizontal Sales", "Linear Trend", "Shaded Area",
                "Ring Shares", "Scattered Points", "Northern Pie"]
CORPUS_TITLE = "Expense Breakdown"


def corpus_calls():
    quoted = f"'{CORPUS_SHEET}'"
    return [
        {"tool": "add_sheet", "args": {"name": "Budget Chart"}},
        {"tool": "add_chart", "args": {
            "sheet": "Budget Chart", "type": "column", "title": CORPUS_TITLE, "anchor": "B2:J20",
            "series": [{"name": "Amount", "categories": f"{quoted}!B12:B14",
                        "values": f"{quoted}!C12:C14"}]}},
    ]


def check_sales_openpyxl(path):
    wb = openpyxl.load_workbook(path)
    check(wb.sheetnames == ["Sales Data", "Charts"], f"sheets {wb.sheetnames}")
    charts = wb["Charts"]._charts
    check(len(charts) == 7, f"{len(charts)} charts on Charts")
    check(len(wb["Sales Data"]._charts) == 0, "the moved and the deleted chart left Sales Data")
    expected = [BarChart, BarChart, LineChart, AreaChart, DoughnutChart, ScatterChart, PieChart]
    for chart, kind, title in zip(charts, expected, SALES_TITLES):
        check(isinstance(chart, kind), f"{title}: {type(chart).__name__} is a {kind.__name__}")
        check(chart_title(chart) == title, f"title {chart_title(chart)!r} is {title!r}")
    check(charts[0].type == "col" and charts[1].type == "bar", "column and bar directions")
    columns = charts[0]
    check(len(columns.series) == 2, f"{len(columns.series)} series")
    check(columns.series[0].val.numRef.f == "'Sales Data'!$B$2:$B$7",
          f"values {columns.series[0].val.numRef.f}")
    check(columns.series[0].cat.strRef.f == "'Sales Data'!$A$2:$A$7",
          f"categories {columns.series[0].cat.strRef.f}")
    check(columns.series[1].tx.strRef.f == "'Sales Data'!$C$1",
          f"name reference {columns.series[1].tx.strRef.f}")
    anchor = columns.anchor
    check((anchor._from.col, anchor._from.row, anchor.to.col, anchor.to.row) == (0, 0, 8, 15),
          f"anchor A1:H15 as {anchor._from.col},{anchor._from.row}-{anchor.to.col},{anchor.to.row}")
    check(charts[5].series[0].xVal is not None and charts[5].series[0].yVal is not None,
          "scatter series have x and y values")
    pie = charts[6]
    check(pie.anchor._from.row == 48, f"moved pie starts on row 49 ({pie.anchor._from.row})")
    check(pie.legend is not None and pie.legend.position == "b", "pie legend at the bottom")


def check_corpus_openpyxl(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path)
    check("Budget Chart" in wb.sheetnames, f"sheets {wb.sheetnames}")
    charts = wb["Budget Chart"]._charts
    check(len(charts) == 1, f"{len(charts)} charts on Budget Chart")
    if charts:
        check(chart_title(charts[0]) == CORPUS_TITLE, f"corpus title {chart_title(charts[0])!r}")
        check(charts[0].series[0].val.numRef.f == f"'{CORPUS_SHEET}'!$C$12:$C$14",
              f"corpus values {charts[0].series[0].val.numRef.f}")
    check(len(wb[CORPUS_SHEET]._charts) == 1, "the corpus sheet keeps its own chart")


def quoted(sheet):
    return "'" + sheet.replace("'", "''") + "'"


def check_more_corpus_openpyxl(quire, corpus_dir, workdir):
    """A chart over the first worksheet's A1:A5 on a new sheet of more corpus workbooks."""
    for name in MORE_CORPUS:
        source = os.path.join(corpus_dir, name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            original = openpyxl.load_workbook(source)
        first = original.worksheets[0].title
        before = {ws.title: len(ws._charts) for ws in original.worksheets}
        out = os.path.join(workdir, "more-" + os.path.basename(name))
        # Numbers of our own in a free column: the file's own cells may hold only text.
        numbers = [{"ref": f"ZZ{row}", "value": row * 2} for row in range(1, 6)]
        apply(quire, source, [
            {"tool": "set_cells", "args": {"sheet": first, "cells": numbers}},
            {"tool": "add_sheet", "args": {"name": "Quire Chart"}},
            {"tool": "add_chart", "args": {
                "sheet": "Quire Chart", "type": "line", "title": "Sweep", "anchor": "A1",
                "series": [{"values": f"{quoted(first)}!ZZ1:ZZ5"}]}}], out)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(out)
        charts = wb["Quire Chart"]._charts
        check(len(charts) == 1 and isinstance(charts[0], LineChart),
              f"{name}: the new sheet has the line chart")
        after = {ws.title: len(ws._charts) for ws in wb.worksheets if ws.title in before}
        check(after == before, f"{name}: existing charts {after} are still {before}")


DAYS = 1461
FIRST_DAY = date(2024, 1, 1)
FIRST_SERIAL = 45292  # 2024-01-01 as a spreadsheet serial number
DAILY_TITLE = "Daily Visits"


def daily_workbook(path, days):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Visits"
    ws.append(["Day", "Visits"])
    for i in range(days):
        ws.append([FIRST_DAY + timedelta(days=i), 100 + i % 17])
        ws.cell(row=i + 2, column=1).number_format = "yyyy-mm-dd"
    # Too narrow for a date, so the cells print as ### and only the chart shows dates.
    ws.column_dimensions["A"].width = 4
    wb.save(path)


def daily_calls(days):
    return [{"tool": "add_sheet", "args": {"name": "Trend"}},
            {"tool": "add_chart", "args": {
                "sheet": "Trend", "type": "line", "title": DAILY_TITLE, "anchor": "A1:L25",
                "series": [{"name": "Visits!B1", "categories": f"Visits!A2:A{days + 1}",
                            "values": f"Visits!B2:B{days + 1}"}]}}]


def check_daily_openpyxl(path):
    wb = openpyxl.load_workbook(path)
    charts = wb["Trend"]._charts
    check(len(charts) == 1, f"{len(charts)} charts on Trend")
    if not charts:
        return
    series = charts[0].series[0]
    values = series.val.numRef.numCache
    check(values is not None and values.ptCount == DAYS and len(values.pt) == DAYS,
          f"all {DAYS} values are cached ({values.ptCount if values else None})")
    categories = series.cat.numRef.numCache if series.cat.numRef else None
    check(categories is not None and categories.formatCode == "yyyy-mm-dd",
          f"date categories carry their format ({categories.formatCode if categories else None})")
    check(categories is not None and len(categories.pt) == DAYS
          and float(categories.pt[0].v) == FIRST_SERIAL, "the date categories are cached")


def chart_parts(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode() for n in z.namelist()
                if re.fullmatch(r"xl/charts/chart\d+\.xml", n)}


def check_colours(path):
    """Every series names its own colours, so charts draw without a theme."""
    parts = chart_parts(path)
    check(len(parts) == 7, f"{len(parts)} chart parts")
    for name, xml in parts.items():
        for ser in re.findall(r"<c:ser>.*?</c:ser>", xml, re.S):
            check("<c:spPr>" in ser and "<a:srgbClr val=" in ser, f"{name}: a series has spPr")
        if "<c:pieChart>" in xml or "<c:doughnutChart>" in xml:
            check(xml.count("<c:dPt>") >= 6, f"{name}: each slice has a c:dPt")
        if "<c:lineChart>" in xml:
            check(re.search(r'<c:spPr><a:ln w="\d+"', xml) is not None, f"{name}: line width")


def check_refusals(quire, source, corpus_dir, workdir):
    def refused(path, calls, message):
        out = os.path.join(workdir, "refused.xlsx")
        result = oracle_checks.apply_calls(quire, path, calls, out)
        text = result.stdout + result.stderr
        check(result.returncode != 0 and message in text, f"refused with {message!r}: {text}")

    text_values = [{"name": "Months", "values": "'Sales Data'!A2:A7"}]
    for kind in ("column", "line", "pie"):
        refused(source, [{"tool": "add_chart", "args": {
            "sheet": "Sales Data", "type": kind, "anchor": "E2", "series": text_values}}],
            "series 'Months': values")
    refused(source, [{"tool": "add_chart", "args": {
        "sheet": "Sales Data", "type": "column", "anchor": "E2",
        "series": [{"name": "X", "categories": "'Sales Data'!A2:A5",
                    "values": "'Sales Data'!B2:B7"}]}}], "series 'X': 6 values but 4 categories")
    refused(source, [{"tool": "add_chart", "args": {
        "sheet": "Sales Data", "type": "scatter", "anchor": "E2",
        "series": [{"name": "X", "categories": "'Sales Data'!A2:A7",
                    "values": "'Sales Data'!B2:B7"}]}}], "x values")
    shared = os.path.join(corpus_dir, "xlsx/rxw-chart_bar14.xlsx")
    refused(shared, [{"tool": "delete_chart", "args": {"name": "Chart 1"}}], "from_sheet")
    out = os.path.join(workdir, "shared-name.xlsx")
    apply(quire, shared, [{"tool": "delete_chart", "args": {"name": "Chart 1",
                                                            "from_sheet": "Sheet2"}}], out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = len(openpyxl.load_workbook(shared)["Sheet2"]._charts)
        after = len(openpyxl.load_workbook(out)["Sheet2"]._charts)
    check(after == before - 1, f"from_sheet deleted the worksheet's chart ({before} -> {after})")


def pdf_text(path, workdir):
    pdf = oracle_checks.soffice_convert(path, "pdf", os.path.join(workdir, "pdf"),
                                        os.path.join(workdir, "profile"), timeout=240)
    check(pdf is not None, f"LibreOffice converts {os.path.basename(path)} to PDF")
    return oracle_checks.pdf_text(pdf) if pdf else ""


def check_libreoffice(sales, corpus, workdir):
    text = pdf_text(sales, workdir)
    for title in SALES_TITLES:
        check(title in text, f"'{title}' in LibreOffice's PDF of the sales workbook")
    check("Removed Later" not in text, "the deleted chart is not drawn")
    corpus_text = pdf_text(corpus, workdir)
    check(CORPUS_TITLE in corpus_text, f"'{CORPUS_TITLE}' in LibreOffice's PDF of the corpus file")


def check_dates_libreoffice(daily, workdir):
    text = pdf_text(daily, workdir)
    check(DAILY_TITLE in text, f"'{DAILY_TITLE}' in LibreOffice's PDF")
    check("2024-01-01" in text, "the date axis shows 2024-01-01")
    check(str(FIRST_SERIAL) not in text, f"the date axis shows no serial number {FIRST_SERIAL}")


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ("openpyxl", "libreoffice"):
        print(__doc__)
        return 2
    quire, corpus_dir, mode = sys.argv[1:]
    corpus_dir = oracle_checks.corpus_dir(corpus_dir)
    workdir = tempfile.mkdtemp(prefix="quire-charts-")
    try:
        source = os.path.join(workdir, "sales.xlsx")
        sales_workbook(source)
        sales = os.path.join(workdir, "sales-charts.xlsx")
        apply(quire, source, sales_calls(), sales)
        corpus = os.path.join(workdir, "budget-chart.xlsx")
        apply(quire, os.path.join(corpus_dir, CORPUS_WORKBOOK), corpus_calls(), corpus)
        if mode == "openpyxl":
            check_sales_openpyxl(sales)
            check_colours(sales)
            check_corpus_openpyxl(corpus)
            check_more_corpus_openpyxl(quire, corpus_dir, workdir)
            check_refusals(quire, source, corpus_dir, workdir)
            daily_source = os.path.join(workdir, "daily.xlsx")
            daily_workbook(daily_source, DAYS)
            daily = os.path.join(workdir, "daily-chart.xlsx")
            started = time.monotonic()
            apply(quire, daily_source, daily_calls(DAYS), daily)
            print(f"adding a chart over {DAYS} rows took {time.monotonic() - started:.2f} s "
                  "(the whole quire doc apply)")
            check_daily_openpyxl(daily)
        else:
            check_libreoffice(sales, corpus, workdir)
            daily_source = os.path.join(workdir, "daily.xlsx")
            daily_workbook(daily_source, 12)
            daily = os.path.join(workdir, "daily-chart.xlsx")
            apply(quire, daily_source, daily_calls(12), daily)
            check_dates_libreoffice(daily, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return checks.finish(mode)


if __name__ == "__main__":
    sys.exit(main())
