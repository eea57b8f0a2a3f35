"""A conversation with the offline agent through `quire generate --run`, judged by openpyxl.

Usage: conversation_check.py QUIRE SHARED_DIR

A real `quire serve` runs four turns of one run from the command-line client, so that the worker
passes the run's document and memory from turn to turn. openpyxl reads the last version: the
sheets, cells, formulas, number formats, bold fonts, frozen panes and charts each follow-up
instruction asked for. The summaries must name what was refused and what was not understood.
"""

import os
import re
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import oracle_checks  # noqa: E402

checks = oracle_checks.Checks()
check = checks.check

TURNS = [
    "Make a workbook from this data",
    "Create a report. Format column B as currency and add a total row",
    "Rename the summary sheet to Overview. Move the price chart to the sp500 sheet at E2. "
    "Freeze the top row and the first column",
    "Add a line chart of sp500!A1:B25 titled Early prices on the overview sheet at A20. "
    "Make row 1 of the Overview sheet bold. Delete the Notes sheet. Paint it all blue",
]


def say(server, env, prompt, out, run_id=None, data=None):
    """Runs one turn; returns (run_id, summary)."""
    args = ["generate", "excel", "--prompt", prompt, "--out", out]
    if run_id:
        args += ["--run", run_id]
    if data:
        args += ["--data", data]
    result = server.cli(*args, env=env)
    found = re.search(r"run_id: (run_[0-9A-Z]{26})", result.stdout)
    summary = re.search(r"summary: (.*)", result.stderr)
    check(found is not None, f"turn '{prompt[:30]}' prints its run id")
    return (found.group(1) if found else run_id), (summary.group(1) if summary else "")


def chart_title(chart):
    """The plain text of an openpyxl chart's title, "" when it has none."""
    if chart.title is None or chart.title.tx is None or chart.title.tx.rich is None:
        return ""
    return "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or []))


def check_workbook(path):
    import openpyxl

    wb = openpyxl.load_workbook(path)
    check(wb.sheetnames == ["sp500", "Overview"], f"sheets {wb.sheetnames}")
    data = wb["sp500"]
    check(data["A125"].value == "Total", f"total label {data['A125'].value!r}")
    check(data["B125"].value == "=SUM(B2:B124)", f"total formula {data['B125'].value!r}")
    check(data["B125"].font.b, "the total row is bold")
    check(data["B2"].number_format == "$#,##0.00", f"currency {data['B2'].number_format!r}")
    check(data["B124"].number_format == "$#,##0.00", "currency down to the last row")
    check(data.freeze_panes == "B2", f"frozen at {data.freeze_panes}")

    overview = wb["Overview"]
    check(overview["B4"].value == "=SUM('sp500'!$B$2:$B$124)",
          f"summary formula follows the rename: {overview['B4'].value!r}")
    check(overview["A1"].font.b and overview["B1"].font.b, "row 1 of Overview is bold")

    moved = data._charts
    check(len(moved) == 1, f"{len(moved)} charts on sp500")
    if moved:
        check(chart_title(moved[0]) == "price over date", f"moved chart {chart_title(moved[0])}")
        start = moved[0].anchor._from
        check((start.col, start.row) == (4, 1), f"moved chart at col {start.col} row {start.row}")
    added = overview._charts
    check(len(added) == 1, f"{len(added)} charts on Overview")
    if added:
        check(chart_title(added[0]) == "Early prices", f"added chart {chart_title(added[0])}")
        check(added[0].tagname == "lineChart", f"added chart is a {added[0].tagname}")
        start = added[0].anchor._from
        check((start.col, start.row) == (0, 19), f"added chart at col {start.col} row {start.row}")


def main():
    import harness

    quire, shared = oracle_checks.arguments(__doc__, 2)
    shared = oracle_checks.shared_dir(shared)
    harness.BINARY = quire
    warnings.simplefilter("ignore")
    server = harness.QuireServer().start()
    try:
        env = {"QUIRE_URL": server.base, "QUIRE_API_KEY": server.local_key()}
        csv_path = os.path.join(shared, "data", "sp500.csv")
        with tempfile.TemporaryDirectory() as workdir:
            run_id = None
            summaries = []
            for number, prompt in enumerate(TURNS, start=1):
                out = os.path.join(workdir, f"turn{number}.xlsx")
                run_id, summary = say(server, env, prompt, out, run_id,
                                      csv_path if number == 1 else None)
                summaries.append(summary)
            check("Added a total row to \"sp500\" (row 125)" in summaries[1], summaries[1])
            check("Renamed sheet \"Summary\" to \"Overview\"" in summaries[2], summaries[2])
            last = summaries[3]
            check("Refused \"Delete the Notes sheet\": the workbook has no sheet \"Notes\"" in last,
                  last)
            check("Not acted on (the offline agent does not understand it): \"Paint it all blue\""
                  in last, last)
            check_workbook(out)
    finally:
        server.stop()
        server.cleanup()
    return checks.finish("conversation")


if __name__ == "__main__":
    sys.exit(main())
