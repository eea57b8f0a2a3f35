"""python-docx on the same report as docx_bench, one phase per process:

    python_docx_bench.py write OUT [CHAPTERS]
    python_docx_bench.py edit IN OUT
    python_docx_bench.py check FILE CHAPTERS [edited]   reads a report back and checks it

Run it with Debian's /usr/bin/python3, which has python3-docx.
"""

import sys

import docx

SECTIONS = 5
PARAGRAPHS = 10
WORDS = 100
TABLES = 50
VOCABULARY = ["revenue", "quarter", "growth", "market", "region", "customer", "product",
              "margin", "forecast", "budget", "team", "risk", "plan", "result", "cost", "sales",
              "target", "review", "strategy", "report"]
INSERTED = "Inserted in the middle."


def paragraph_text(i):
    return " ".join(VOCABULARY[(i * 7 + k * 3) % 20] for k in range(WORDS)) + "."


def write(out, chapters):
    document = docx.Document()
    document.add_heading("Annual report", 0)
    sections = chapters * SECTIONS
    paragraph = tables = 0
    for c in range(chapters):
        document.add_heading(f"Chapter {c + 1}", 1)
        for s in range(SECTIONS):
            document.add_heading(f"Section {c + 1}.{s + 1}", 2)
            for _ in range(PARAGRAPHS):
                document.add_paragraph(paragraph_text(paragraph))
                paragraph += 1
            section = c * SECTIONS + s
            if tables < TABLES and section * TABLES // sections >= tables:
                table = document.add_table(rows=10, cols=5)
                table.style = "Table Grid"
                for r in range(10):
                    for col in range(5):
                        table.cell(r, col).text = (f"Column {col + 1}" if r == 0
                                                   else str(tables * 100 + r * 5 + col))
                tables += 1
    document.save(out)


def edit(source, out):
    document = docx.Document(source)
    body = document.element.body
    blocks = [child for child in body.iterchildren() if not child.tag.endswith("}sectPr")]
    middle = blocks[len(blocks) // 2 - 1]
    new = document.add_paragraph(INSERTED)._p  # appended, then moved after the middle block
    middle.addnext(new)
    document.save(out)


def check(path, chapters, edited):
    document = docx.Document(path)
    texts = [p.text for p in document.paragraphs]
    expected = chapters * SECTIONS * PARAGRAPHS
    body = [t for t in texts if t.endswith(".") and t != INSERTED and " " in t and
            t.split()[0] in VOCABULARY]
    assert len(body) == expected, f"{len(body)} body paragraphs, expected {expected}"
    assert body[0] == paragraph_text(0) and body[-1] == paragraph_text(expected - 1)
    tables = min(TABLES, chapters * SECTIONS)
    assert len(document.tables) == tables, f"{len(document.tables)} tables, expected {tables}"
    assert document.tables[0].cell(0, 0).text == "Column 1"
    if edited:
        assert texts.count(INSERTED) == 1, "the inserted paragraph is missing"
        where = texts.index(INSERTED)
        assert 0.3 * len(texts) < where < 0.7 * len(texts), f"inserted at {where} of {len(texts)}"


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 30)
    elif len(sys.argv) == 4 and sys.argv[1] == "edit":
        edit(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "check":
        check(sys.argv[2], int(sys.argv[3]), len(sys.argv) > 4)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
