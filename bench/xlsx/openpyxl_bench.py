#!/usr/bin/python3
"""openpyxl doing what xlsx_bench does, for bench/xlsx/run to compare against.

    openpyxl_bench.py write OUT [ROWS]   ROWS rows x 10 columns through ws.append
    openpyxl_bench.py edit IN OUT        load_workbook, change C5, save
    openpyxl_bench.py check FILE ROWS [EDITED]
                                         reads a workbook xlsx_bench wrote and checks sample
                                         cells (and C5 == 123.5 when EDITED is "edited")

Each phase prints "phase=... seconds=..." measured inside the process.
"""

import sys
import time

import openpyxl

SHEET = "Data"


def row_values(r):
    # The same values as RowValues in xlsx_bench.cpp.
    return [
        r,
        "name %d" % (r % 1000),
        r * 1.25,
        "=A%d*C%d" % (r, r),
        "city %d" % (r % 37),
        (r * 7 % 1000) / 10.0,
        "=SUM(A%d,F%d)" % (r, r),
        -r if r % 2 == 0 else r,
        "note %d for row %d" % (r % 13, r),
        '=IF(A%d>50000,"big","small")' % r,
    ]


def write(out, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    for r in range(1, rows + 1):
        ws.append(row_values(r))
    wb.save(out)


def edit(src, out):
    wb = openpyxl.load_workbook(src)
    wb[SHEET]["C5"] = 123.5
    wb.save(out)


def same(actual, expected):
    if isinstance(expected, float) or isinstance(actual, float):
        return isinstance(actual, (int, float)) and abs(actual - expected) < 1e-9
    return actual == expected


def check(path, rows, edited):
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    problems = []
    if ws.max_row != rows or ws.max_column != 10:
        problems.append("size %dx%d, expected %dx10" % (ws.max_row, ws.max_column, rows))
    samples = sorted({1, 2, 5, 37, rows // 2, rows - 1, rows} & set(range(1, rows + 1)))
    for r in samples:
        expected = row_values(r)
        if edited and r == 5:
            expected[2] = 123.5
        for c, want in enumerate(expected, start=1):
            got = ws.cell(row=r, column=c).value
            if not same(got, want):
                problems.append("%s%d: %r, expected %r" % ("ABCDEFGHIJ"[c - 1], r, got, want))
    for problem in problems[:10]:
        print("check: " + problem, file=sys.stderr)
    return 1 if problems else 0


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    start = time.monotonic()
    phase = argv[1]
    if phase == "write":
        write(argv[2], int(argv[3]) if len(argv) > 3 else 100000)
        rc = 0
    elif phase == "edit" and len(argv) > 3:
        edit(argv[2], argv[3])
        rc = 0
    elif phase == "check" and len(argv) > 3:
        rc = check(argv[2], int(argv[3]), len(argv) > 4 and argv[4] == "edited")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    if rc == 0:
        print("phase=%s seconds=%.3f" % (phase, time.monotonic() - start))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
