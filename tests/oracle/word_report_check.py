"""The offline agent's Word report from a CSV, judged by programs Quire did not write.

Usage: word_report_check.py QUIRE SHARED_DIR MODE   (MODE: python-docx or libreoffice)

A real `quire serve` writes a Word report from every CSV of the shared data
("Write a report from this data"). In mode "python-docx" each report must open in python-docx
with its headings in order, every summary figure equal to what Python computes from the same
CSV, the data table's header and row count as the sentence above it says, and a real chart (a
chart part with its embedded workbook) followed by its caption. In mode "libreoffice" two
reports are converted to PDF and the chart caption and the data table's text must be in it.
"""

import csv
import datetime
import glob
import io
import math
import os
import re
import sys
import tempfile
import warnings
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import oracle_checks  # noqa: E402

checks = oracle_checks.Checks()
check = checks.check

MAX_TABLE_ROWS = 20
MAX_TABLE_COLUMNS = 8
MAX_FIGURE_COLUMNS = 12


def figure(value):
    """A number as the report writes it: two decimals, half away from zero, trailing zeros
    dropped, thousands grouped."""
    rounded = math.copysign(math.floor(abs(value) * 100 + 0.5) / 100, value)
    if rounded == 0:
        rounded = 0.0
    text = f"{rounded:,.2f}".rstrip("0").rstrip(".")
    return text


def counted(count, noun):
    return f"{figure(count)} {noun}{'' if count == 1 else 's'}"


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f) if any(cell.strip() for cell in r)]
    return rows[0], rows[1:]


def as_number(text):
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def as_date(text):
    for parse in (datetime.date.fromisoformat,
                  lambda t: datetime.datetime.strptime(t, "%b %d %Y").date()):
        try:
            return parse(text.strip())
        except ValueError:
            pass
    return None


def column(rows, index):
    return [r[index] for r in rows if index < len(r) and r[index].strip() != ""]


def mostly(values, parse):
    return values and sum(parse(v) is not None for v in values) * 10 >= len(values) * 9


def is_year(header, values):
    return "year" in header.lower() and all(
        as_number(v) is not None and as_number(v) == int(as_number(v)) and
        1000 <= as_number(v) <= 2999 for v in values)


def expected_summary(name, header, rows):
    """The sentences the executive summary must hold, computed here from the CSV."""
    lines = [f"{name} holds {counted(len(rows), 'row')} and {counted(len(header), 'column')}."]
    time_axis = None
    numeric = []
    for i, title in enumerate(header):
        values = column(rows, i)
        if mostly(values, as_number):
            if time_axis is None and is_year(title, values):
                time_axis = (title, [int(as_number(v)) for v in values])
            else:
                numeric.append(i)
        elif mostly(values, as_date) and time_axis is None:
            time_axis = (title, [d for d in map(as_date, values) if d is not None])
    if time_axis:
        title, values = time_axis
        first, last = min(values), max(values)
        lines[0] += f" Its {title} runs from {first} to {last}."
    for i in numeric[:MAX_FIGURE_COLUMNS]:
        xs = [x for x in map(as_number, column(rows, i)) if x is not None]
        total = 0.0
        for x in xs:
            total += x
        lines.append(f"{header[i]}: total {figure(total)}, average {figure(total / len(xs))}, "
                     f"minimum {figure(min(xs))}, maximum {figure(max(xs))} "
                     f"({counted(len(xs), 'value')}).")
    return lines


def body_items(document):
    """The body's paragraphs and tables in document order, as ("p", paragraph) or ("t", table)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    items = []
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            items.append(("p", Paragraph(element, document)))
        elif tag == "tbl":
            items.append(("t", Table(element, document)))
    return items


def check_report(path, csv_path):
    import docx

    name = os.path.basename(csv_path)
    stem = os.path.splitext(name)[0]
    header, rows = read_csv(csv_path)
    document = docx.Document(path)
    items = body_items(document)
    paragraphs = [item for kind, item in items if kind == "p"]
    texts = [p.text for p in paragraphs]
    headings = [(p.style.name, p.text) for p in paragraphs
                if p.style.name == "Title" or p.style.name.startswith("Heading")]
    check(headings[:2] == [("Title", f"Report on {stem}"), ("Heading 1", "Executive summary")],
          f"{name}: title and executive summary first: {headings}")
    check(headings[-1] == ("Heading 1", "Data"), f"{name}: the data section last: {headings}")

    for line in expected_summary(name, header, rows):
        near = [t for t in texts if t.split(" ")[:2] == line.split(" ")[:2]]
        check(line in texts, f"{name}: the summary says {line!r}, not {near}")

    tables = [item for kind, item in items if kind == "t"]
    check(len(tables) == 1, f"{name}: one table")
    if tables:
        table = tables[0]
        shown_columns = min(len(header), MAX_TABLE_COLUMNS)
        shown_rows = min(len(rows), MAX_TABLE_ROWS)
        cells = [c.text for c in table.rows[0].cells]
        check(cells == header[:shown_columns], f"{name}: table header {cells}")
        check(len(table.rows) == shown_rows + 1, f"{name}: {len(table.rows)} table rows")
        index = [i for i, (kind, item) in enumerate(items) if item is table][0]
        caption = items[index - 1][1]
        check(caption.style.name == "Caption" and caption.text == f"Table 1: {name}",
              f"{name}: the table's caption above it: {caption.text!r}")
        sentence = items[index - 2][1].text
        if shown_rows == len(rows):
            shown = f"all {counted(len(rows), 'row')}"
        else:
            shown = f"the first {shown_rows} of {figure(len(rows))} rows"
        if shown_columns < len(header):
            shown += f" and the first {shown_columns} of {len(header)} columns"
        check(sentence == f"The table shows {shown} of {name}.", f"{name}: {sentence!r}")
        first_text = [c.text for c in table.rows[1].cells]
        for i, value in enumerate(rows[0][:shown_columns]):
            if as_number(value) is None and as_date(value) is None:
                check(first_text[i] == value.strip(), f"{name}: first row cell {i}")

    chart_paragraphs = [i for i, (kind, item) in enumerate(items) if kind == "p" and
                        item._p.xpath(".//c:chart")]
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        charts = [n for n in names if re.fullmatch(r"word/charts/chart\d+\.xml", n)]
        embedded = [n for n in names if n.startswith("word/embeddings/") and n.endswith(".xlsx")]
        check(len(charts) == len(chart_paragraphs) <= 1, f"{name}: chart parts {charts}")
        if chart_paragraphs:
            check(len(embedded) == 1, f"{name}: the chart's embedded workbook {embedded}")
            import openpyxl
            book = openpyxl.load_workbook(io.BytesIO(package.read(embedded[0])))
            check(book.active.max_row >= 2, f"{name}: the embedded workbook holds the data")
    if chart_paragraphs:
        index = chart_paragraphs[0]
        caption = items[index + 1][1]
        check(caption.style.name == "Caption" and caption.text.startswith("Figure 1: "),
              f"{name}: the chart's caption under it: {caption.text!r}")
        check(("Heading 1", "Chart") in headings, f"{name}: a Chart section")
    return document


def generate(server, key, csv_path):
    with open(csv_path, "rb") as f:
        file_id = server.upload(key, os.path.basename(csv_path), f.read()).json()["file_id"]
    response = server.generate(key, "word", prompt="Write a report from this data",
                               data_sources=[{"file_id": file_id, "kind": "csv"}])
    check(response.status == 200, f"generate answered {response}")
    if response.status != 200:
        return None
    return server.request("GET", response.json()["download_url"].replace(server.base, "")).body


def check_pdf(path, csv_path, workdir):
    name = os.path.basename(csv_path)
    header, rows = read_csv(csv_path)
    pdf = oracle_checks.soffice_convert(path, "pdf", os.path.join(workdir, "pdf"),
                                        os.path.join(workdir, "lo-profile"), timeout=180)
    check(pdf is not None, f"LibreOffice converts the report of {name} to PDF")
    if pdf is None:
        return
    text = oracle_checks.pdf_text(pdf)
    import docx
    captions = [p.text for p in docx.Document(path).paragraphs if p.style.name == "Caption"]
    check(len(captions) == 2, f"{name}: two captions {captions}")
    for caption in captions:
        check(caption in text, f"{name}: the PDF shows the caption {caption!r}")
    for cell in header[:MAX_TABLE_COLUMNS]:
        check(cell in text, f"{name}: the PDF shows the table header {cell!r}")
    check("Executive summary" in text and f"{name} holds" in text, f"{name}: the summary text")
    # The chart's caption comes after the Chart heading and before the Data heading.
    chart_at = text.find("Figure 1: ")
    check(text.find("Chart") < chart_at < text.rfind("Data"), f"{name}: caption in place")


def main():
    import harness

    quire, shared, mode = oracle_checks.arguments(__doc__, 3)
    shared = oracle_checks.shared_dir(shared)
    os.environ["QUIRE_BINARY"] = quire
    harness.BINARY = quire
    warnings.simplefilter("ignore")
    files = sorted(glob.glob(os.path.join(shared, "data", "*.csv")))
    check(len(files) >= 8, f"the shared data has its CSV files: {files}")
    if mode == "libreoffice":
        files = [f for f in files if os.path.basename(f) in ("sp500.csv", "iowa-electricity.csv")]
    server = harness.QuireServer().start()
    try:
        key = server.local_key()
        with tempfile.TemporaryDirectory() as workdir:
            for csv_path in files:
                body = generate(server, key, csv_path)
                if body is None:
                    continue
                path = os.path.join(workdir, os.path.basename(csv_path) + ".docx")
                with open(path, "wb") as f:
                    f.write(body)
                if mode == "python-docx":
                    check_report(path, csv_path)
                else:
                    check_pdf(path, csv_path, workdir)
    finally:
        server.stop()
        server.cleanup()
    return checks.finish(f"word report ({mode})")


if __name__ == "__main__":
    sys.exit(main())
