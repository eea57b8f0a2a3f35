"""Checks the workbook objects Quire's tools add with LibreOffice, a second independent reader.

Usage: objects_libreoffice_check.py QUIRE

The workbook of objects_check.py (a table, defined names, list validations, conditional formats,
hyperlinks and notes added by `quire doc apply`) is converted to OpenDocument by LibreOffice; its
content.xml must hold each object.
"""

import json
import os
import subprocess
import sys
import tempfile
import zipfile

import objects_check

failures = []
passes = 0


def check(condition, what):
    global passes
    if condition:
        passes += 1
    else:
        failures.append(what)
        print("FAIL:", what)


def convert_to_ods(path, workdir):
    profile = "file://" + os.path.join(workdir, "profile")
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "ods", "--outdir", workdir, path],
                   check=True, capture_output=True, timeout=240)
    ods = os.path.splitext(path)[0] + ".ods"
    with zipfile.ZipFile(ods) as archive:
        return archive.read("content.xml").decode("utf-8")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    quire = sys.argv[1]
    with tempfile.TemporaryDirectory() as workdir:
        base = os.path.join(workdir, "base.xlsx")
        objects_check.write_base(base)
        calls_path = os.path.join(workdir, "calls.json")
        with open(calls_path, "w", encoding="utf-8") as f:
            json.dump([{"tool": t, "args": a} for t, a in objects_check.new_workbook_calls()], f)
        out = os.path.join(workdir, "objects.xlsx")
        subprocess.run([quire, "doc", "apply", base, "--calls", calls_path, "--out", out],
                       check=True, capture_output=True)
        content = convert_to_ods(out, workdir)

    check('table:name="Sales" table:target-range-address="Data.A1:Data.D4"' in content,
          "the table is a database range")
    check('table:name="TotalUnits"' in content, "the defined name")
    check("cell-content-is-in-list(&quot;Yes&quot;;&quot;No&quot;;&quot;3&quot;)" in content,
          "the inline list validation")
    check("cell-content-is-in-list([$Lists.$A$1:.$A$3])" in content, "the range validation")
    check('calcext:value="&gt;10"' in content, "the greater-than rule")
    check("calcext:color-scale" in content, "the colour scale")
    check("calcext:data-bar" in content, "the data bar")
    check('xlink:href="https://example.com/report"' in content, "the external link")
    check('xlink:href="#Lists.A1"' in content, "the internal link")
    check("Sales regions</text:p></office:annotation>" in content, "the first note")
    check("Estimated</text:p></office:annotation>" in content, "the second note")
    print(f"libreoffice: {passes} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
