"""Every corpus Word document whose manifest lists tracked changes, through one
`quire doc apply` of reject_all_changes and one of accept_all_changes:

1. No revision element (w:ins, w:del, w:moveFrom, w:moveTo, property changes, cell marks) is
   left in the body, headers, footers or notes; the outline says there are no tracked changes;
   a second call finds none.
2. Debian's python-docx opens the result wherever it opens the original.
3. With --libreoffice: wherever LibreOffice (through its UNO bridge, Debian's python3-uno) opens
   the original, its paragraphs after LibreOffice's own "reject all" or "accept all" equal the
   paragraphs it reads from Quire's result.

Then Quire's own tracked edits (replace_text across runs and move_block of a section with a
table, with "tracked": true) on a document `quire doc new` and insert_blocks wrote: python-docx
opens the tracked document; Quire's accept gives the text the same edits give untracked, its
reject the text before them (as python-docx reads it); with --libreoffice, LibreOffice's own
"accept all" and "reject all" of the tracked document give those paragraphs too (empty ones left
out).

Usage: docx_changes_check.py QUIRE CORPUS_DIR [--libreoffice]
Run it with Debian's /usr/bin/python3.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import oracle_checks  # noqa: E402

LO_TIMEOUT = 60
REVISIONS = re.compile(r"<w:(ins|del|moveFrom|moveTo|cellIns|cellDel|\w+PrChange|\w+PrExChange|"
                       r"tblGridChange)[\s/>]")
PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")

checks = oracle_checks.Checks()
check = checks.check


def tracked_documents(corpus):
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as manifest:
        next(manifest)
        for line in manifest:
            fields = line.rstrip("\n").split("\t")
            name, features = fields[0], fields[5]
            if name.endswith(".docx") and ("tracked-" in features or "format-changes" in features):
                yield name


def revisions_left(path):
    left = set()
    with zipfile.ZipFile(path) as z:
        for part in z.namelist():
            if PARTS.search(part):
                left.update(m.group(1) for m in REVISIONS.finditer(z.read(part).decode("utf-8")))
    return sorted(left)


def changes_of(done):
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line).get("result", {}).get("changes")
    return None


def check_resolved(quire, name, mode, out, workdir):
    check(revisions_left(out) == [], f"{name}: {mode} left {revisions_left(out)}")
    outline = subprocess.run([quire, "doc", "outline", out], capture_output=True, text=True,
                             timeout=60)
    check(outline.returncode == 0 and not json.loads(outline.stdout)["tracked_changes"],
          f"{name}: the outline after {mode} still has tracked changes")
    again = oracle_checks.apply_calls(quire, out, [{"tool": f"{mode}_all_changes", "args": {}}],
                                      os.path.join(workdir, "again.docx"), timeout=60)
    check(changes_of(again) == 0, f"{name}: a second {mode} found {changes_of(again)} changes")


def check_python_docx(name, original, resolved):
    import docx
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            docx.Document(original)
    except Exception:  # python-docx refuses the original: nothing to compare
        return
    try:
        docx.Document(resolved)
    except Exception as error:
        check(False, f"{name}: python-docx cannot open the result: {error}")


class Office:
    """One headless LibreOffice with its own profile, reached through a UNO pipe."""

    def __init__(self, workdir):
        import uno
        self.uno = uno
        pipe = f"quire_changes_{os.getpid()}"
        profile = "file://" + os.path.join(workdir, "lo-profile")
        self.process = subprocess.Popen(
            ["soffice", "--headless", "--invisible", "--norestore",
             f"-env:UserInstallation={profile}", f"--accept=pipe,name={pipe};urp;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + LO_TIMEOUT
        while True:
            try:
                remote = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.close()
                    raise
                time.sleep(0.5)
        manager = remote.ServiceManager
        self.desktop = manager.createInstanceWithContext("com.sun.star.frame.Desktop", remote)
        self.dispatcher = manager.createInstanceWithContext("com.sun.star.frame.DispatchHelper",
                                                            remote)

    def paragraphs(self, path, resolve=None):
        """The body's paragraph texts (tables left out), after "Reject" or "Accept" all."""
        from com.sun.star.beans import PropertyValue
        hidden = PropertyValue()
        hidden.Name, hidden.Value = "Hidden", True
        document = self.desktop.loadComponentFromURL(
            self.uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0, (hidden,))
        try:
            if resolve:
                self.dispatcher.executeDispatch(document.getCurrentController().getFrame(),
                                                f".uno:{resolve}AllTrackedChanges", "", 0, ())
            texts = []
            blocks = document.getText().createEnumeration()
            while blocks.hasMoreElements():
                block = blocks.nextElement()
                if block.supportsService("com.sun.star.text.Paragraph"):
                    texts.append(block.getString())
            return texts
        finally:
            document.close(True)

    def close(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def check_libreoffice(name, original, resolved, mode, workdir):
    # A fresh office per document: one that fails on a document takes its bridge down with it.
    try:
        office = Office(workdir)
    except Exception as error:
        check(False, f"{name}: LibreOffice did not start: {error}")
        return
    try:
        try:
            expected = office.paragraphs(original, mode.capitalize())
        except Exception:  # LibreOffice cannot open the original: nothing to compare
            return
        check(office.paragraphs(resolved) == expected,
              f"{name}: the text after {mode} is not LibreOffice's")
    finally:
        office.close()


OWN_BLOCKS = [
    {"type": "heading", "level": 1, "text": "Summary", "name": "sec_summary"},
    {"type": "paragraph", "text": "Net **reve**nue rose, and revenue is *what* counts."},
    {"type": "heading", "level": 1, "text": "Details", "name": "sec_details"},
    {"type": "paragraph", "text": "Revenue by quarter."},
    {"type": "table", "name": "tbl_revenue", "caption": "Table 1: Revenue",
     "rows": [["Quarter", "Revenue"], ["Q1", 10]]},
]


def own_edits(tracked):
    edits = [
        {"tool": "replace_text", "args": {"find": "revenue", "replace": "income"}},
        {"tool": "replace_text", "args": {"find": "Q1", "replace": "First quarter"}},
        {"tool": "move_block", "args": {"block": "sec_details", "to_anchor": "sec_summary",
                                        "position": "before"}},
    ]
    for edit in edits:
        edit["args"]["tracked"] = tracked
    return edits


def python_docx_text(path):
    import docx
    document = docx.Document(path)
    paragraphs = [p.text for p in document.paragraphs]
    cells = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    return paragraphs, cells


def check_own_tracked_edits(quire, workdir, libreoffice):
    new = os.path.join(workdir, "own.docx")
    base = os.path.join(workdir, "own-base.docx")
    subprocess.run([quire, "doc", "new", new], check=True, capture_output=True, timeout=60)
    paths = {}
    steps = [(new, base, [{"tool": "insert_blocks", "args": {"anchor": "end",
                                                              "blocks": OWN_BLOCKS}}])]
    for tracked in (False, True):
        paths[tracked] = os.path.join(workdir, f"own-{'tracked' if tracked else 'plain'}.docx")
        steps.append((base, paths[tracked], own_edits(tracked)))
    for source, out, calls in steps:
        done = oracle_checks.apply_calls(quire, source, calls, out, timeout=60)
        if not check(done.returncode == 0, f"own edits: {done.stdout}{done.stderr}"):
            return
    try:
        python_docx_text(paths[True])
    except Exception as error:
        check(False, f"own edits: python-docx cannot open the tracked document: {error}")
        return
    expected = {"accept": python_docx_text(paths[False]), "reject": python_docx_text(base)}
    check(expected["accept"] != expected["reject"], "own edits: the edits changed nothing")
    for mode in ("reject", "accept"):
        out = os.path.join(workdir, f"own-{mode}.docx")
        done = oracle_checks.apply_calls(
            quire, paths[True], [{"tool": f"{mode}_all_changes", "args": {}}], out, timeout=60)
        if not check(done.returncode == 0 and (changes_of(done) or 0) > 0,
                     f"own edits: {mode} failed: {done.stdout}{done.stderr}"):
            continue
        check_resolved(quire, "own edits", mode, out, workdir)
        got = python_docx_text(out)
        check(got == expected[mode],
              f"own edits: after {mode} python-docx reads {got!r}, not {expected[mode]!r}")
    if libreoffice:
        check_own_edits_in_libreoffice(paths[True], paths[False], base, workdir)


def check_own_edits_in_libreoffice(tracked, plain, base, workdir):
    try:
        office = Office(workdir)
    except Exception as error:
        check(False, f"own edits: LibreOffice did not start: {error}")
        return
    # Empty paragraphs are left out: LibreOffice keeps one where it rejects a tracked table and
    # at the end of the body when it accepts the deletion of the last paragraphs, which Writer
    # cannot be without (it does the same for a tracked table insert_blocks writes).
    def texts(path, resolve=None):
        return [text for text in office.paragraphs(path, resolve) if text]

    try:
        for mode, like in (("Accept", plain), ("Reject", base)):
            got, expected = texts(tracked, mode), texts(like)
            check(got == expected,
                  f"own edits: LibreOffice's {mode.lower()} all gives {got!r}, not {expected!r}")
    finally:
        office.close()


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    quire, corpus = sys.argv[1], oracle_checks.corpus_dir(sys.argv[2])
    libreoffice = "--libreoffice" in sys.argv[3:]
    with tempfile.TemporaryDirectory() as workdir:
        for name in tracked_documents(corpus):
            path = os.path.join(corpus, name)
            for mode in ("reject", "accept"):
                out = os.path.join(workdir, f"{mode}.docx")
                done = oracle_checks.apply_calls(
                    quire, path, [{"tool": f"{mode}_all_changes", "args": {}}], out, timeout=60)
                if not check(done.returncode == 0 and (changes_of(done) or 0) > 0,
                             f"{name}: {mode} failed: {done.stdout}{done.stderr}"):
                    continue
                check_resolved(quire, name, mode, out, workdir)
                check_python_docx(name, path, out)
                if libreoffice:
                    check_libreoffice(name, path, out, mode, workdir)
        check_own_tracked_edits(quire, workdir, libreoffice)
    return checks.finish("docx changes")


if __name__ == "__main__":
    sys.exit(main())
