"""Checks the workbook objects Quire's tools add with openpyxl, an independent reader.

Usage: objects_check.py QUIRE CORPUS_DIR

1. openpyxl writes a small workbook; `quire doc apply` adds a table, defined names, list
   validations, conditional formats, hyperlinks and notes to it; openpyxl must read each back.
2. The same kind of edit on a corpus workbook that already has tables, links and notes: openpyxl
   must see the old objects and the new ones.
Set QUIRE_SHARED_DIR to use another shared/ folder than CORPUS_DIR's.
"""

import os
import sys
import tempfile
import warnings

import openpyxl

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import oracle_checks  # noqa: E402

checks = oracle_checks.Checks()
check = checks.check


def tool_calls(calls):
    """(tool, args) pairs as the call objects `quire doc apply` reads."""
    return [{"tool": tool, "args": args} for tool, args in calls]


def apply(quire, source, calls, workdir, name):
    out = os.path.join(workdir, name + ".out.xlsx")
    result = oracle_checks.apply_calls(quire, source, tool_calls(calls), out)
    if not check(result.returncode == 0, f"{name}: quire doc apply failed: "
                                         f"{result.stdout.strip()} {result.stderr.strip()}"):
        return None
    return out


def write_base(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Region", "Units", None, "Region"])
    ws.append(["North", 12, 3.5, "x"])
    ws.append(["South", 7, 4.25, "y"])
    ws.append(["East", 30, 1.0, "z"])
    lists = wb.create_sheet("Lists")
    for value in ["Open", "Closed", "Parked"]:
        lists.append([value])
    wb.save(path)


def new_workbook_calls():
    return [
        ("add_table", {"sheet": "Data", "range": "A1:D4", "name": "Sales",
                       "style": "TableStyleLight9"}),
        ("define_name", {"name": "TotalUnits", "refers_to": "=SUM(Data!$B$2:$B$4)"}),
        ("define_name", {"name": "States", "refers_to": "Lists!$A$1:$A$3", "sheet": "Lists"}),
        ("add_validation", {"sheet": "Data", "range": "F2:F4", "values": ["Yes", "No", 3]}),
        ("add_validation", {"sheet": "Data", "range": "G2:G4", "source": "Lists!A1:A3",
                            "error": "Pick a state"}),
        ("add_conditional_format", {"sheet": "Data", "range": "B2:B4", "type": "cell_value",
                                    "operator": "greaterThan", "values": [10],
                                    "fill_color": "FFC7CE", "font_color": "9C0006"}),
        ("add_conditional_format", {"sheet": "Data", "range": "C2:C4", "type": "cell_value",
                                    "operator": "between", "values": [1, "=$B$2"],
                                    "fill_color": "C6EFCE"}),
        ("add_conditional_format", {"sheet": "Data", "range": "B2:B4", "type": "color_scale",
                                    "colors": ["F8696B", "FFEB84", "63BE7B"]}),
        ("add_conditional_format", {"sheet": "Data", "range": "C2:C4", "type": "data_bar",
                                    "color": "638EC6"}),
        ("add_hyperlink", {"sheet": "Data", "ref": "H2", "url": "https://example.com/report",
                           "text": "Report", "tooltip": "Open the report"}),
        ("add_hyperlink", {"sheet": "Data", "ref": "H3", "location": "Lists!A1"}),
        ("add_note", {"sheet": "Data", "ref": "A1", "text": "Sales regions", "author": "Ann"}),
        ("add_note", {"sheet": "Data", "ref": "B3", "text": "Estimated"}),
    ]


def check_new_workbook(quire, workdir):
    base = os.path.join(workdir, "base.xlsx")
    write_base(base)
    out = apply(quire, base, new_workbook_calls(), workdir, "new")
    if out is None:
        return
    wb = openpyxl.load_workbook(out)
    ws = wb["Data"]

    check("Sales" in ws.tables, f"tables {list(ws.tables.keys())}")
    if "Sales" in ws.tables:
        table = ws.tables["Sales"]
        check(table.ref == "A1:D4", f"table ref {table.ref}")
        check(table.tableStyleInfo.name == "TableStyleLight9",
              f"table style {table.tableStyleInfo.name}")
        names = [c.name for c in table.tableColumns]
        check(names == ["Region", "Units", "Column3", "Region2"], f"table columns {names}")
        check(table.autoFilter is not None and table.autoFilter.ref == "A1:D4", "autofilter")
    check(ws["C1"].value == "Column3" and ws["D1"].value == "Region2",
          f"renamed headers {ws['C1'].value} {ws['D1'].value}")

    names = {d.name: d for d in wb.defined_names.definedName}
    check("TotalUnits" in names and names["TotalUnits"].attr_text == "SUM(Data!$B$2:$B$4)",
          f"defined names {[(n, d.attr_text) for n, d in names.items()]}")
    check("States" in names and names["States"].localSheetId == 1, "local defined name")

    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    inline = validations.get("F2:F4")
    check(inline is not None and inline.type == "list" and inline.formula1 == '"Yes,No,3"',
          f"inline validation {[(k, v.type, v.formula1) for k, v in validations.items()]}")
    ranged = validations.get("G2:G4")
    check(ranged is not None and ranged.formula1 == "Lists!$A$1:$A$3" and
          ranged.error == "Pick a state", "range validation")

    rules = {}
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            rules.setdefault(str(cf.sqref), []).append(rule)
    b_rules = rules.get("B2:B4", [])
    c_rules = rules.get("C2:C4", [])
    check([r.type for r in b_rules] == ["cellIs", "colorScale"], f"B rules {b_rules}")
    check([r.type for r in c_rules] == ["cellIs", "dataBar"], f"C rules {c_rules}")
    if len(b_rules) == 2 and len(c_rules) == 2:
        greater = b_rules[0]
        check(greater.operator == "greaterThan" and greater.formula == ["10"],
              f"cell value rule {greater.operator} {greater.formula}")
        check(greater.dxf is not None and greater.dxf.fill.bgColor.rgb == "FFFFC7CE" and
              greater.dxf.font.color.rgb == "FF9C0006", "cell value rule format")
        between = c_rules[0]
        check(between.operator == "between" and between.formula == ["1", "$B$2"],
              f"between rule {between.formula}")
        scale = b_rules[1].colorScale
        check([c.rgb for c in scale.color] == ["FFF8696B", "FFFFEB84", "FF63BE7B"],
              "colour scale colours")
        check(c_rules[1].dataBar.color.rgb == "FF638EC6", "data bar colour")
        priorities = [r.priority for r in b_rules + c_rules]
        check(sorted(priorities) == [1, 2, 3, 4], f"priorities {priorities}")

    link = ws["H2"].hyperlink
    check(link is not None and link.target == "https://example.com/report" and
          link.tooltip == "Open the report", f"url link {link}")
    check(ws["H2"].value == "Report", f"link text {ws['H2'].value}")
    inner = ws["H3"].hyperlink
    check(inner is not None and inner.location == "Lists!A1", f"location link {inner}")

    note = ws["A1"].comment
    check(note is not None and note.text == "Sales regions" and note.author == "Ann",
          f"note {note}")
    other = ws["B3"].comment
    check(other is not None and other.text == "Estimated" and other.author == "Quire",
          f"default author note {other}")


def check_corpus_workbook(quire, corpus, workdir):
    source = os.path.join(corpus, "xlsx/rxw-table06.xlsx")
    calls = [
        ("add_table", {"sheet": "Sheet1", "range": "J3:K6", "name": "Extra"}),
        ("add_note", {"sheet": "Sheet1", "ref": "A5", "text": "Added note", "author": "Ann"}),
        ("add_hyperlink", {"sheet": "Sheet1", "ref": "A1", "location": "Sheet1!J3"}),
    ]
    out = apply(quire, source, calls, workdir, "table06")
    if out is None:
        return
    ws = openpyxl.load_workbook(out)["Sheet1"]
    check(sorted(ws.tables.keys()) == ["Extra", "Table1", "Table2", "Table3"],
          f"corpus tables {sorted(ws.tables.keys())}")
    check(ws["H1"].comment is not None and ws["H1"].comment.text.strip() == "Test1",
          "old note survives")
    check(ws["A5"].comment is not None and ws["A5"].comment.text == "Added note",
          "new note in the corpus workbook")
    check(ws["A1"].hyperlink is not None and ws["A1"].hyperlink.location == "Sheet1!J3",
          "replaced link")
    check(ws["C1"].hyperlink is not None and ws["C1"].hyperlink.target == "http://perl.com/",
          "old link survives")


def main():
    # openpyxl warns about every extension it drops while reading; that is not our concern here.
    warnings.simplefilter("ignore")
    quire, corpus = oracle_checks.arguments(__doc__, 2)
    with tempfile.TemporaryDirectory() as workdir:
        check_new_workbook(quire, workdir)
        check_corpus_workbook(quire, oracle_checks.corpus_dir(corpus), workdir)
    return checks.finish("openpyxl")


if __name__ == "__main__":
    sys.exit(main())
