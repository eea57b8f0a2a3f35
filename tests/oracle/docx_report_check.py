"""A report written with the Word tools, then a chart and an image moved to another section.

Writes a document with `quire doc new` and `quire doc apply`: a title, two sections, an image
and a chart with captions in the second, a list, a table with a caption, a footnote, a footer
with page numbers. Then moves the chart and the image to the end of the first section and checks:
  - in the saved XML the drawing paragraph is followed by its caption, and its relationship still
    names a part that is in the package (chart parts keep their embedded workbook);
  - python-docx (mode "python-docx") opens both versions and sees the paragraphs, the table and
    both inline shapes;
  - LibreOffice (mode "libreoffice") converts both, and in the moved version's PDF the captions
    come after the first section's heading and before the second's.

Usage: docx_report_check.py QUIRE MODE   (MODE: python-docx or libreoffice)
"""

import base64
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import oracle_checks  # noqa: E402

checks = oracle_checks.Checks()
check = checks.check

CHART_CAPTION = "Figure 2: Revenue by quarter"
IMAGE_CAPTION = "Figure 1: A small square"


def png(width, height):
    """A solid-colour RGB PNG, written with the standard library."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\x20\x60\xc0" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0,
                                                              0)) + \
        chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def apply(quire, source, calls, out):
    done = oracle_checks.apply_calls(quire, source, calls, out, timeout=60)
    check(done.returncode == 0, f"quire doc apply failed: {done.stdout}{done.stderr}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def build(quire, workdir):
    base = os.path.join(workdir, "base.docx")
    subprocess.run([quire, "doc", "new", base], check=True)
    image = base64.b64encode(png(40, 30)).decode("ascii")
    blocks = [
        {"type": "heading", "level": 0, "text": "Quarterly report"},
        {"type": "heading", "text": "Executive summary"},
        {"type": "paragraph", "text": "Revenue **grew** in every quarter[^Unaudited figures.]."},
        {"type": "list", "items": ["North led", {"text": "South followed", "level": 1}]},
        {"type": "heading", "text": "Revenue detail"},
        {"type": "paragraph", "text": "See [the site](https://example.com) for more."},
        {"type": "image", "data": image, "alt_text": "A square", "caption": IMAGE_CAPTION},
        {"type": "chart", "chart_type": "column", "title": "Revenue",
         "categories": ["Q1", "Q2", "Q3", "Q4"],
         "series": [{"name": "2024", "values": [10, 12, 15, 18]}], "caption": CHART_CAPTION},
        {"type": "table", "rows": [["Quarter", "Revenue"], ["Q1", 10], ["Q2", 12]],
         "caption": "Table 1: Revenue", "widths_cm": [4, 4]},
    ]
    built = os.path.join(workdir, "built.docx")
    lines = apply(quire, base, [
        {"tool": "insert_blocks", "args": {"anchor": "end", "blocks": blocks}},
        {"tool": "set_header_footer", "args": {"kind": "footer", "text": "Page {page} of {pages}"}},
    ], built)
    anchors = lines[0]["result"]["anchors"] if lines else []
    return built, anchors


def move(quire, built, anchors, workdir):
    figures = [a for a in anchors if a.startswith("fig_")]
    check(len(figures) == 2, f"two figure anchors expected, got {anchors}")
    moved = os.path.join(workdir, "moved.docx")
    calls = [{"tool": "move_block", "args": {"block": figure, "to_anchor": "sec_executive_summary",
                                             "position": "end_of_section"}}
             for figure in figures]
    apply(quire, built, calls, moved)
    return moved


def check_package(path):
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        document = z.read("word/document.xml").decode("utf-8")
        rels = z.read("word/_rels/document.xml.rels").decode("utf-8")
        chart_rels = z.read("word/charts/_rels/chart1.xml.rels").decode("utf-8")
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets.update(dict(re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)[::-1]))
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", document)
    for caption in (IMAGE_CAPTION, CHART_CAPTION):
        index = next((i for i, p in enumerate(paragraphs) if caption in p), None)
        if not check(index is not None and index > 0, f"{caption!r} is missing"):
            continue
        drawing = paragraphs[index - 1]
        check("<w:drawing>" in drawing, f"{caption!r} does not follow its drawing")
        ids = re.findall(r'r:(?:embed|id)="([^"]+)"', drawing)
        check(ids and all(("word/" + targets.get(i, "?")) in names for i in ids),
              f"the drawing before {caption!r} refers to a missing part: {ids}")
    embedded = re.search(r'Target="\.\./([^"]+)"', chart_rels)
    check(embedded and "word/" + embedded.group(1) in names, "the chart lost its workbook")


def check_python_docx(path):
    import docx
    document = docx.Document(path)
    texts = [p.text for p in document.paragraphs]
    for text in ("Quarterly report", "Executive summary", IMAGE_CAPTION, CHART_CAPTION,
                 "North led", "Table 1: Revenue"):
        check(text in texts, f"{os.path.basename(path)}: python-docx misses {text!r}")
    check(len(document.tables) == 1, f"{os.path.basename(path)}: {len(document.tables)} tables")
    check(len(document.inline_shapes) == 2,
          f"{os.path.basename(path)}: {len(document.inline_shapes)} inline shapes")
    check(document.paragraphs[0].style.name == "Title", "the first paragraph is not a Title")
    check(document.paragraphs[1].style.name == "Heading 1", "the second is not a Heading 1")


def check_libreoffice(built, moved, workdir):
    profile = os.path.join(workdir, "lo-profile")
    texts = {}
    for path in (built, moved):
        pdf = oracle_checks.soffice_convert(path, "pdf", os.path.join(workdir, "pdf"), profile, 60)
        if check(pdf is not None, f"LibreOffice cannot convert {os.path.basename(path)}"):
            texts[path] = oracle_checks.pdf_text(pdf)
    if built in texts:
        text = texts[built]
        check(text.find("Revenue detail") < text.find(CHART_CAPTION),
              "before the move the chart caption is not in the second section")
        check("Page 1 of" in text, "the footer's page numbers are not in the PDF")
    if moved in texts:
        text = texts[moved]
        first, second = text.find("Executive summary"), text.find("Revenue detail")
        for caption in (IMAGE_CAPTION, CHART_CAPTION):
            at = text.find(caption)
            check(first < at < second,
                  f"after the move {caption!r} is at {at}, not between {first} and {second}")


def main():
    quire, mode = oracle_checks.arguments(__doc__, 2)
    with tempfile.TemporaryDirectory() as workdir:
        built, anchors = build(quire, workdir)
        moved = move(quire, built, anchors, workdir)
        check_package(built)
        check_package(moved)
        if mode == "python-docx":
            check_python_docx(built)
            check_python_docx(moved)
        else:
            check_libreoffice(built, moved, workdir)
    return checks.finish(f"docx report ({mode})")


if __name__ == "__main__":
    sys.exit(main())
