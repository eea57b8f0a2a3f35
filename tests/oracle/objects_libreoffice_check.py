"""Checks the workbook objects Quire's tools add with LibreOffice, a second independent reader.

Usage: objects_libreoffice_check.py QUIRE

The workbook of objects_check.py (a table, defined names, list validations, conditional formats,
hyperlinks and notes added by `quire doc apply`) is converted to OpenDocument by LibreOffice; its
content.xml must hold each object.
"""

import os
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import objects_check  # noqa: E402
import oracle_checks  # noqa: E402

checks = oracle_checks.Checks()
check = checks.check


def ods_content(path, workdir):
    """content.xml of LibreOffice's OpenDocument conversion of path ("" when it fails)."""
    ods = oracle_checks.soffice_convert(path, "ods", workdir, os.path.join(workdir, "profile"),
                                        timeout=240)
    if not check(ods is not None, f"LibreOffice converts {os.path.basename(path)} to ods"):
        return ""
    with zipfile.ZipFile(ods) as archive:
        return archive.read("content.xml").decode("utf-8")


def main():
    (quire,) = oracle_checks.arguments(__doc__, 1)
    with tempfile.TemporaryDirectory() as workdir:
        base = os.path.join(workdir, "base.xlsx")
        objects_check.write_base(base)
        out = os.path.join(workdir, "objects.xlsx")
        calls = objects_check.tool_calls(objects_check.new_workbook_calls())
        applied = oracle_checks.apply_calls(quire, base, calls, out)
        check(applied.returncode == 0, f"quire doc apply failed: {applied.stdout.strip()} "
                                       f"{applied.stderr.strip()}")
        content = ods_content(out, workdir) if applied.returncode == 0 else ""

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
    return checks.finish("libreoffice")


if __name__ == "__main__":
    sys.exit(main())
