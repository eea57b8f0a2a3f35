"""Every hostile corpus file is refused by `quire doc outline` and `quire doc apply` (a cell set
on workbooks, a paragraph added to Word documents) with a
reason and exit status 1, within 5 seconds and under 512 MB of memory; every odd file (extreme
but valid) is opened within the same bounds or refused the same way.

Usage: hostile_check.py QUIRE CORPUS_DIR
"""

import json
import os
import subprocess
import sys
import tempfile


SECONDS = 5.0
PEAK_KB = 512 * 1024

failures = []
passes = 0


def check(condition, what):
    global passes
    if condition:
        passes += 1
    else:
        failures.append(what)
        print("FAIL:", what, flush=True)


def timed(args):
    """Runs a command under /usr/bin/time: (exit status, stdout, stderr, seconds, peak KB)."""
    with tempfile.NamedTemporaryFile("r") as stats:
        result = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", stats.name, *args],
                                capture_output=True, text=True, timeout=60)
        seconds, peak = stats.read().split()[-2:]
    return result.returncode, result.stdout, result.stderr, float(seconds), int(peak)


def rows(corpus):
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as manifest:
        next(manifest)
        for line in manifest:
            name, features = line.split("\t")[0], line.split("\t")[5]
            if features.startswith(("hostile:", "odd:")):
                yield name, features.startswith("hostile:")


def main():
    quire, corpus = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as workdir:
        calls = os.path.join(workdir, "calls.json")
        out = os.path.join(workdir, "out.xlsx")
        word_out = os.path.join(workdir, "out.docx")
        for name, hostile in rows(corpus):
            path = os.path.join(corpus, name)
            commands = [["doc", "outline", path]]
            if name.startswith("xlsx/"):
                outline = subprocess.run([quire, "doc", "outline", path], capture_output=True,
                                         text=True, timeout=60)
                sheets = json.loads(outline.stdout)["sheets"] if outline.returncode == 0 else []
                sheet = next((s["name"] for s in sheets if s["kind"] == "worksheet"), "Sheet1")
                with open(calls, "w", encoding="utf-8") as f:
                    json.dump([{"tool": "set_cells", "args": {
                        "sheet": sheet, "cells": [{"ref": "B2", "value": 1}]}}], f)
                commands.append(["doc", "apply", path, "--calls", calls, "--out", out])
            elif name.lower().endswith((".docx", ".docm", ".dotx")):
                with open(calls, "w", encoding="utf-8") as f:
                    json.dump([{"tool": "insert_blocks", "args": {"anchor": "end", "blocks": [
                        {"type": "paragraph", "text": "added"}]}}], f)
                commands.append(["doc", "apply", path, "--calls", calls, "--out", word_out])
            for command in commands:
                status, stdout, stderr, seconds, peak = timed([quire, *command])
                what = f"{name} ({command[1]})"
                check(seconds < SECONDS, f"{what} took {seconds} s")
                check(peak < PEAK_KB, f"{what} peaked at {peak // 1024} MB")
                if hostile or status != 0:
                    check(status == 1, f"{what} exited {status}")
                    reason = (stderr + stdout).strip()
                    check(reason != "" and "Segmentation" not in reason, f"{what}: no reason")
                if hostile:
                    check(not os.path.exists(out), f"{what} wrote a file")
                if os.path.exists(out):
                    os.remove(out)
    print(f"{passes} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
