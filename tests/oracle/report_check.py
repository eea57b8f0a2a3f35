"""The offline agent's "report from a CSV" recipe, judged by programs Quire did not write.

Usage: report_check.py QUIRE SHARED_DIR

A real `quire serve` builds a report from real CSV files. openpyxl must find the data table, the
summary sheet and the chart; LibreOffice recalculates the workbook, and every figure of the
summary must equal what Python computes from the same CSV; the chart's title must be in the
text of LibreOffice's PDF. Quire's own PDF export of the run must print the summary sheet, chart
included, on one page after the data pages, each of which repeats the data's header row.
"""

import collections
import csv
import datetime
import math
import os
import subprocess
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import oracle_checks  # noqa: E402

checks = oracle_checks.Checks()
check = checks.check


def close(a, b):
    return isinstance(a, (int, float)) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def numbers(rows, column):
    return [float(r[column]) for r in rows if column < len(r) and r[column] != ""]


def soffice(path, target, outdir, workdir):
    """LibreOffice's conversion of path to target in outdir; a failed conversion fails a check
    and gives None."""
    converted = oracle_checks.soffice_convert(path, target, outdir,
                                              os.path.join(workdir, "lo-profile"), timeout=180)
    check(converted is not None, f"LibreOffice converts {os.path.basename(path)} to {target}")
    return converted


def check_weather(path, csv_path, workdir):
    import openpyxl

    header, rows = read_csv(csv_path)
    wb = openpyxl.load_workbook(path)
    check(wb.sheetnames == ["seattle-weather", "Summary"], f"sheets {wb.sheetnames}")
    data = wb["seattle-weather"]
    check(list(data.tables) == ["tbl_seattle_weather"], f"tables {list(data.tables)}")
    check(data.tables["tbl_seattle_weather"].ref == f"A1:F{len(rows) + 1}", "table range")
    check(len(wb["Summary"]._charts) == 1, "one chart on the summary sheet")
    check(str(wb["Summary"]["B4"].value).startswith("=SUM("), "totals are formulas")

    recalculated = soffice(path, "xlsx:Calc MS Excel 2007 XML", os.path.join(workdir, "calc"),
                           workdir)
    if recalculated is None:
        return
    values = openpyxl.load_workbook(recalculated, data_only=True)["Summary"]
    for i, name in enumerate(["precipitation", "temp_max", "temp_min", "wind"]):
        column = header.index(name)
        xs = numbers(rows, column)
        letter = "BCDE"[i]
        check(values[f"{letter}3"].value == name, f"{letter}3 names {name}")
        for row, expected in [(4, sum(xs)), (5, sum(xs) / len(xs)), (6, min(xs)), (7, max(xs)),
                              (8, len(xs))]:
            got = values[f"{letter}{row}"].value
            check(close(got, expected), f"{name} row {row}: {got} != {expected}")

    dates = sorted(datetime.date.fromisoformat(r[0]) for r in rows)
    check(values["B10"].value.date() == dates[0], f"first date {values['B10'].value}")
    check(values["B11"].value.date() == dates[-1], f"last date {values['B11'].value}")

    kinds = collections.Counter(r[header.index("weather")] for r in rows)
    precipitation = collections.defaultdict(float)
    for r in rows:
        precipitation[r[header.index("weather")]] += float(r[header.index("precipitation")])
    for offset, kind in enumerate(sorted(kinds)):
        row = 14 + offset
        check(values[f"A{row}"].value == kind, f"category A{row} {values[f'A{row}'].value}")
        check(values[f"B{row}"].value == kinds[kind], f"count of {kind}")
        check(close(values[f"C{row}"].value, precipitation[kind]), f"precipitation of {kind}")

    pdf = soffice(path, "pdf", os.path.join(workdir, "pdf"), workdir)
    text = oracle_checks.pdf_text(pdf) if pdf else ""  # whitespace folded: the title may wrap
    check("precipitation, temp_max, temp_min over date" in text, "the chart title is in the PDF")


def pdf_pages(pdf):
    """The text of each page of a PDF, whitespace folded, by poppler's pdfinfo and pdftotext."""
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
    count = next((int(line.split()[1]) for line in info.splitlines()
                  if line.startswith("Pages:")), 0)
    pages = []
    for page in range(1, count + 1):
        result = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), pdf, "-"],
                                capture_output=True, text=True)
        pages.append(" ".join(result.stdout.split()))
    return pages


def check_exported_pages(server, key, run_id, workdir):
    """The run's PDF, exported by Quire: the summary with its chart on one page, after data
    pages that each start with the header row."""
    response = server.request("POST", f"/api/v1/runs/{run_id}/export", key=key,
                              body={"format": "pdf"}, timeout=300)
    if not check(response.status == 200, f"the PDF export answered {response}"):
        return
    url = response.json()["download_url"].replace(server.base, "")
    pdf = os.path.join(workdir, "exported.pdf")
    with open(pdf, "wb") as f:
        f.write(server.request("GET", url).body)
    pages = pdf_pages(pdf)
    summary = [i for i, text in enumerate(pages) if "Summary of seattle-weather" in text]
    title = "precipitation, temp_max, temp_min over date"
    charted = [i for i, text in enumerate(pages) if title in text]
    check(len(summary) == 1 and summary[0] == len(pages) - 1,
          f"the summary prints on the last page alone: pages {summary} of {len(pages)}")
    check(charted == summary, f"the chart is on the summary's page: pages {charted}")
    data = pages[:summary[0]] if summary else []
    check(len(data) >= 2, f"the data takes several pages: {len(data)}")
    # pdftotext orders a page's columns as it likes, but each starts with the header's first cells.
    headed = [i for i, text in enumerate(data)
              if text.startswith("date precipitation") and "temp_max" in text and "weather" in text]
    check(headed == list(range(len(data))), f"every data page has the header row: {headed}")


def main():
    import harness

    quire, shared = sys.argv[1], sys.argv[2]
    os.environ["QUIRE_BINARY"] = quire
    harness.BINARY = quire
    warnings.simplefilter("ignore")
    server = harness.QuireServer(env={"QUIRE_OFFICE_PROCESSES": "1"}).start()
    try:
        key = server.local_key()
        csv_path = os.path.join(shared, "data", "seattle-weather.csv")
        with open(csv_path, "rb") as f:
            file_id = server.upload(key, "seattle-weather.csv", f.read()).json()["file_id"]
        response = server.generate(key, "excel", prompt="Make a report from this data",
                                   data_sources=[{"file_id": file_id, "kind": "csv"}])
        check(response.status == 200, f"generate answered {response}")
        body = server.request("GET", response.json()["download_url"].replace(server.base, "")).body
        with tempfile.TemporaryDirectory() as workdir:
            path = os.path.join(workdir, "weather-report.xlsx")
            with open(path, "wb") as f:
                f.write(body)
            check_weather(path, csv_path, workdir)
            check_exported_pages(server, key, response.json()["run_id"], workdir)
    finally:
        server.stop()
        server.cleanup()
    return checks.finish("report")


if __name__ == "__main__":
    sys.exit(main())
