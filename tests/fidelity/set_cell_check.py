"""Sets one cell on the first worksheet of every non-hostile workbook of the shared corpus with
`quire doc apply`, then asks outside programs whether the result is still the same workbook.

Usage: set_cell_check.py QUIRE CORPUS_DIR [--libreoffice] [--skip-openpyxl]

For each file:
1. Only the parts that must follow the edit may change: the sheet's own part, the shared strings,
   the calculation chain (dropped), the workbook part (full-calculation flag), and the content
   types and workbook relationships that named the dropped calculation chain.
2. Wherever Debian's openpyxl opens the original, it opens the result and reads the new value.
3. With --libreoffice: wherever `soffice --headless` converts the original to PDF within 60 s, it
   converts the result too.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import warnings
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import oracle_checks  # noqa: E402

MARKER = "Quire fidelity 7431"
ALLOWED_TO_CHANGE = {"[Content_Types].xml"}
LO_TIMEOUT = 60

checks = oracle_checks.Checks()
check = checks.check


def corpus_workbooks(corpus):
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as manifest:
        next(manifest)
        for line in manifest:
            fields = line.rstrip("\n").split("\t")
            name, features = fields[0], fields[5]
            if name.startswith("xlsx/") and not features.startswith("hostile:"):
                yield name


def column_number(letters):
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch.upper()) - 64
    return n


def target_cell(dimension):
    """A cell just below the used range in its first column, or A1 when the sheet is full."""
    if not dimension:
        return "A1"
    last = dimension.split(":")[-1]
    first = dimension.split(":")[0]
    col = re.match(r"[A-Z]+", first).group(0)
    row = int(re.search(r"[0-9]+", last).group(0))
    return f"{col}{row + 2}" if row + 2 <= 1048576 else "A1"


def run_quire(quire, *args, timeout=120):
    return subprocess.run([quire, *args], capture_output=True, text=True, timeout=timeout)


def part_bytes(path):
    with zipfile.ZipFile(path) as z:
        return {info.filename.replace("\\", "/"): z.read(info) for info in z.infolist()}


def workbook_part_names(path):
    """The workbook part and its relationships part, found through the package relationships."""
    with zipfile.ZipFile(path) as z:
        names = {n.replace("\\", "/"): n for n in z.namelist()}
        rels = z.read(names["_rels/.rels"]).decode("utf-8", "replace")
    target = re.search(r'Target="/?([^"]+)"[^>]*officeDocument"'
                       r'|officeDocument"[^>]*Target="/?([^"]+)"', rels)
    main = (target.group(1) or target.group(2)) if target else "xl/workbook.xml"
    folder, file = os.path.split(main)
    return main, f"{folder}/_rels/{file}.rels" if folder else f"_rels/{file}.rels"


def check_parts(name, original, edited, sheet_part):
    before, after = part_bytes(original), part_bytes(edited)
    main, main_rels = workbook_part_names(original)
    allowed = ALLOWED_TO_CHANGE | {sheet_part, main, main_rels}
    for part, data in before.items():
        if part in after and after[part] == data:
            continue
        lower = part.lower()
        fine = part in allowed or "sharedstrings" in lower or "calcchain" in lower
        check(fine, f"{name}: part {part} changed or vanished")
    for part in after:
        check(part in before or "sharedstrings" in part.lower(),
              f"{name}: part {part} was added")


def check_openpyxl(name, original, edited, sheet, cell):
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            openpyxl.load_workbook(original)
        except Exception:  # openpyxl cannot read the original either: nothing to compare
            return
        try:
            wb = openpyxl.load_workbook(edited)
        except Exception as error:
            check(False, f"{name}: openpyxl opens the original but not the result: {error}")
            return
    ws = wb[sheet] if sheet in wb.sheetnames else None
    if ws is None:
        # openpyxl reads no sheets of strict OOXML files, edited or not.
        return
    check(ws[cell].value == MARKER, f"{name}: openpyxl reads {ws[cell].value!r} at {cell}")


def converts(path, outdir, profile):
    pdf = oracle_checks.soffice_convert(path, "pdf", outdir, profile, LO_TIMEOUT)
    if pdf is None:
        return False
    os.remove(pdf)
    return True


def check_libreoffice(name, original, edited, workdir):
    profile = os.path.join(workdir, "lo-profile")
    if not converts(original, workdir, profile):
        return
    check(converts(edited, workdir, profile),
          f"{name}: LibreOffice converts the original to PDF but not the result")


def main():
    quire, corpus = sys.argv[1], sys.argv[2]
    libreoffice = "--libreoffice" in sys.argv[3:]
    use_openpyxl = "--skip-openpyxl" not in sys.argv[3:]
    with tempfile.TemporaryDirectory() as workdir:
        for name in corpus_workbooks(corpus):
            source = os.path.join(corpus, name)
            outline = run_quire(quire, "doc", "outline", source)
            if outline.returncode != 0:
                # An odd file that Quire refuses, with its reason: allowed by the corpus rules.
                check(outline.stderr.strip() != "", f"{name}: refused without a reason")
                continue
            sheets = [s for s in json.loads(outline.stdout)["sheets"] if s["kind"] == "worksheet"]
            if not sheets:
                continue
            sheet = sheets[0]
            cell = target_cell(sheet.get("dimension", ""))
            calls = [{"tool": "set_cells", "args": {
                "sheet": sheet["name"], "cells": [{"ref": cell, "value": MARKER}]}}]
            edited = os.path.join(workdir, "edited-" + os.path.basename(name))
            applied = oracle_checks.apply_calls(quire, source, calls, edited, timeout=120)
            if not check(applied.returncode == 0,
                         f"{name}: doc apply failed: {applied.stdout}{applied.stderr}"):
                continue
            part = sheet_part_of(source, sheet["name"])
            if part:
                check_parts(name, source, edited, part)
            if use_openpyxl:
                check_openpyxl(name, source, edited, sheet["name"], cell)
            if libreoffice:
                check_libreoffice(name, source, edited, workdir)
            os.remove(edited)
    return checks.finish("fidelity")


def sheet_part_of(source, sheet_name):
    """The part name of a sheet, read from the workbook part and its relationships."""
    main, main_rels = workbook_part_names(source)
    parts = part_bytes(source)
    workbook = parts.get(main, b"").decode("utf-8", "replace")
    rels = parts.get(main_rels, b"").decode("utf-8", "replace")
    for sheet in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        tag = sheet.group(0)
        name = re.search(r'\sname="([^"]*)"', tag)
        rid = re.search(r'\s\w+:id="([^"]*)"', tag)
        if not name or not rid or unescape(name.group(1)) != sheet_name:
            continue
        for rel in re.finditer(r"<Relationship\b[^>]*>", rels):
            if f'Id="{rid.group(1)}"' in rel.group(0):
                target = re.search(r'Target="([^"]*)"', rel.group(0)).group(1)
                if target.startswith("/"):
                    return target[1:]
                joined = os.path.join(os.path.dirname(main), target)
                return os.path.normpath(joined).replace("\\", "/")
    return None


def unescape(text):
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


if __name__ == "__main__":
    sys.exit(main())
