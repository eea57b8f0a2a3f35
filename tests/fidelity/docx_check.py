"""Every non-hostile Word document of the corpus (.docx, .docm, .dotx) through `quire doc apply`:

1. A no-op open and save (no calls) keeps every part: same names, same bytes.
2. A paragraph inserted after the first heading (at the start when there is none) and one at the
   end change only the main document part.
3. Wherever Debian's python-docx opens the original, it opens the result and finds both new
   paragraphs in the body.
4. With --libreoffice: wherever `soffice --headless` converts the original to PDF within 60 s,
   it converts the result, and both new texts are in the PDF's text.

Usage: docx_check.py QUIRE CORPUS_DIR [--libreoffice] [--skip-python-docx]
Run it with Debian's /usr/bin/python3, which has python3-docx.
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

LO_TIMEOUT = 60
AFTER_HEADING = "Quire fidelity paragraph after the first heading"
AT_END = "Quire fidelity paragraph at the end"

checks = oracle_checks.Checks()
check = checks.check


def corpus_documents(corpus):
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as manifest:
        next(manifest)
        for line in manifest:
            fields = line.rstrip("\n").split("\t")
            name, features = fields[0], fields[5]
            if name.lower().endswith((".docx", ".docm", ".dotx")) and \
                    not features.startswith("hostile:"):
                yield name


def parts(path):
    with zipfile.ZipFile(path) as z:
        return {info.filename.replace("\\", "/"): z.read(info) for info in z.infolist()
                if not info.is_dir()}


def main_part(path):
    with zipfile.ZipFile(path) as z:
        names = {n.replace("\\", "/"): n for n in z.namelist()}
        rels = z.read(names["_rels/.rels"]).decode("utf-8", "replace")
    for match in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = match.group(0)
        if re.search(r'Type="[^"]*/officeDocument"', tag) and "Target=" in tag:
            target = re.search(r'Target="/?([^"]+)"', tag).group(1)
            return target
    return "word/document.xml"


def first_heading(quire, path):
    result = subprocess.run([quire, "doc", "outline", path], capture_output=True, text=True,
                            timeout=60)
    if result.returncode != 0:
        return None
    for section in json.loads(result.stdout)["sections"]:
        if section["id"] != "start":
            return section["id"]
    return "start"


def check_noop(quire, name, path, workdir):
    out = os.path.join(workdir, "noop" + os.path.splitext(path)[1])
    done = oracle_checks.apply_calls(quire, path, [], out, timeout=60)
    if not check(done.returncode == 0, f"{name}: no-op save failed: {done.stderr.strip()}"):
        return
    before, after = parts(path), parts(out)
    check(sorted(before) == sorted(after), f"{name}: no-op save changed the part list")
    for part, data in before.items():
        check(after.get(part) == data, f"{name}: no-op save changed {part}")


def check_insert(quire, name, path, workdir, python_docx, libreoffice):
    anchor = first_heading(quire, path)
    if not check(anchor is not None, f"{name}: no outline"):
        return
    out = os.path.join(workdir, "edited" + os.path.splitext(path)[1])
    calls = [{"tool": "insert_blocks", "args": {"anchor": anchor, "position": "after", "blocks": [
                 {"type": "paragraph", "text": AFTER_HEADING}]}},
             {"tool": "insert_blocks", "args": {"anchor": "end", "blocks": [
                 {"type": "paragraph", "text": AT_END}]}}]
    done = oracle_checks.apply_calls(quire, path, calls, out, timeout=60)
    if not check(done.returncode == 0, f"{name}: insert failed: {done.stdout}{done.stderr}"):
        return
    before, after = parts(path), parts(out)
    main = main_part(path)
    for part, data in before.items():
        check(part == main or after.get(part) == data, f"{name}: insert changed {part}")
    check(set(after) == set(before), f"{name}: insert added or removed parts")
    if python_docx:
        check_python_docx(name, path, out)
    if libreoffice:
        check_libreoffice(name, path, out, workdir)


def check_python_docx(name, original, edited):
    import docx
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            docx.Document(original)
    except Exception:  # python-docx refuses the original (a template, macros): nothing to compare
        return
    try:
        texts = [p.text for p in docx.Document(edited).paragraphs]
    except Exception as error:
        check(False, f"{name}: python-docx cannot open the result: {error}")
        return
    check(AFTER_HEADING in texts, f"{name}: python-docx misses the paragraph after the heading")
    check(AT_END in texts, f"{name}: python-docx misses the paragraph at the end")


def check_libreoffice(name, original, edited, workdir):
    profile = os.path.join(workdir, "lo-profile")
    if oracle_checks.soffice_convert(original, "pdf", os.path.join(workdir, "a"), profile,
                                     LO_TIMEOUT) is None:
        return
    pdf = oracle_checks.soffice_convert(edited, "pdf", os.path.join(workdir, "b"), profile,
                                        LO_TIMEOUT)
    if not check(pdf is not None, f"{name}: LibreOffice converts the original but not the result"):
        return
    text = oracle_checks.pdf_text(pdf)
    check(AFTER_HEADING in text, f"{name}: the PDF misses the paragraph after the heading")
    check(AT_END in text, f"{name}: the PDF misses the paragraph at the end")


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    quire, corpus = sys.argv[1], oracle_checks.corpus_dir(sys.argv[2])
    libreoffice = "--libreoffice" in sys.argv[3:]
    python_docx = "--skip-python-docx" not in sys.argv[3:]
    with tempfile.TemporaryDirectory() as workdir:
        for name in corpus_documents(corpus):
            path = os.path.join(corpus, name)
            check_noop(quire, name, path, workdir)
            check_insert(quire, name, path, workdir, python_docx, libreoffice)
    return checks.finish("docx fidelity")


if __name__ == "__main__":
    sys.exit(main())
