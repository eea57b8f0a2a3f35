"""Tables the Word tools put side by side stay separate tables for LibreOffice.

Usage: docx_tables_libreoffice_check.py QUIRE

A new document gets two tables in one insert_blocks call, a third inserted right after the
first, and the first moved to the end. LibreOffice converts the result to OpenDocument, whose
content.xml must hold three tables (readers merge tables with nothing between them into one),
each with its own first cell, and end in a paragraph.
"""

import os
import re
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import oracle_checks  # noqa: E402

checks = oracle_checks.Checks()
check = checks.check


def table(first_cell):
    return {"type": "table", "rows": [[first_cell, "x"], ["1", "2"]], "header": False}


def calls():
    return [
        {"tool": "insert_blocks",
         "args": {"anchor": "end", "blocks": [table("Alpha"), table("Beta")]}},
        {"tool": "insert_blocks", "args": {"anchor": "t1", "blocks": [table("Gamma")]}},
        {"tool": "move_block", "args": {"block": "t1", "to_anchor": "end"}},
    ]


def main():
    (quire,) = oracle_checks.arguments(__doc__, 1)
    with tempfile.TemporaryDirectory() as workdir:
        base = os.path.join(workdir, "base.docx")
        subprocess.run([quire, "doc", "new", base], check=True)
        out = os.path.join(workdir, "tables.docx")
        applied = oracle_checks.apply_calls(quire, base, calls(), out)
        if not check(applied.returncode == 0, f"quire doc apply failed: {applied.stdout.strip()} "
                                              f"{applied.stderr.strip()}"):
            return checks.finish("libreoffice")
        odt = oracle_checks.soffice_convert(out, "odt", workdir, os.path.join(workdir, "profile"),
                                            timeout=240)
        if not check(odt is not None, "LibreOffice converts the document to odt"):
            return checks.finish("libreoffice")
        with zipfile.ZipFile(odt) as archive:
            content = archive.read("content.xml").decode("utf-8")

    tables = re.findall(r"<table:table [^>]*>(.*?)</table:table>", content, re.S)
    check(len(tables) == 3, f"three separate tables, not {len(tables)}")
    firsts = [re.sub(r"<[^>]+>", "", re.search(r"<text:p[^>]*>(.*?)</text:p>", t).group(1))
              for t in tables if re.search(r"<text:p[^>]*>(.*?)</text:p>", t)]
    check(firsts == ["Gamma", "Beta", "Alpha"], f"the tables in order: {firsts}")
    text = content[content.rfind("</table:table>"):]
    check("<text:p" in text, "a paragraph follows the last table")
    return checks.finish("libreoffice")


if __name__ == "__main__":
    sys.exit(main())
