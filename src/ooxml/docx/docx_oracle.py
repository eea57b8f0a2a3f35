"""Checks Quire's Word documents with python-docx, an independent reader.

Usage: docx_oracle.py DOCX_SAMPLE_WRITER SOURCE_DIR

Builds a document, appends a paragraph, and checks with python-docx that the title, the
paragraphs and the appended paragraph (last) are all there. Then appends a paragraph to each
readable .docx of the shared corpus and checks python-docx sees it as the last paragraph.
Run it with Debian's /usr/bin/python3, which has python3-docx.
"""

import csv
import os
import subprocess
import sys
import tempfile

import docx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "support"))
import oracle_checks  # noqa: E402

TITLE = "Quire oracle title"
PARAGRAPHS = ["First paragraph", "Second & <third>", "  spaced  out  "]
APPENDED = "Appended last"

checks = oracle_checks.Checks()
check = checks.check


def run(writer, *args):
    subprocess.run([writer, *args], check=True)


def check_built_document(writer, work):
    built = os.path.join(work, "built.docx")
    appended = os.path.join(work, "appended.docx")
    run(writer, "build", built, TITLE, *PARAGRAPHS)
    run(writer, "append", built, appended, APPENDED)

    document = docx.Document(appended)
    texts = [p.text for p in document.paragraphs]
    check(texts == [TITLE, *PARAGRAPHS, APPENDED], f"paragraph texts are {texts!r}")
    check(document.paragraphs[0].style.name == "Title",
          f"first paragraph style is {document.paragraphs[0].style.name!r}")
    check(document.core_properties.title == TITLE,
          f"core title is {document.core_properties.title!r}")
    style_names = {style.name for style in document.styles}
    for name in ("Normal", "Title", "Heading 1"):
        check(name in style_names, f"style {name!r} is missing")


def corpus_docx_files(shared):
    with open(os.path.join(shared, "corpus", "MANIFEST.tsv"), newline="") as manifest:
        for row in csv.DictReader(manifest, delimiter="\t"):
            if row["file"].endswith(".docx") and not row["features"].startswith("hostile:"):
                yield os.path.join(shared, "corpus", row["file"])


def check_corpus(writer, work, shared):
    checked = 0
    for index, path in enumerate(corpus_docx_files(shared)):
        try:
            before = docx.Document(path)
        except Exception as error:  # python-docx reads only part of what Word reads.
            print(f"skip {os.path.basename(path)}: python-docx cannot read it ({error})")
            continue
        out = os.path.join(work, f"corpus-{index}.docx")
        run(writer, "append", path, out, APPENDED)
        after = docx.Document(out)
        name = os.path.basename(path)
        check(len(after.paragraphs) == len(before.paragraphs) + 1,
              f"{name}: {len(before.paragraphs)} paragraphs became {len(after.paragraphs)}")
        check(after.paragraphs[-1].text == APPENDED,
              f"{name}: last paragraph is {after.paragraphs[-1].text!r}")
        checked += 1
    check(checked >= 15, f"only {checked} corpus documents were checked")
    return checked


def main():
    writer, source_dir = oracle_checks.arguments(__doc__, 2)
    shared = oracle_checks.shared_dir(os.path.join(source_dir, "..", "shared"))
    with tempfile.TemporaryDirectory() as work:
        check_built_document(writer, work)
        checked = check_corpus(writer, work, shared)
    print(f"built document and {checked} corpus documents checked")
    return checks.finish("docx")


if __name__ == "__main__":
    sys.exit(main())
