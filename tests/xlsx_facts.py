"""Prints what a person sees of an XLSX report, one fact a line, for tests to compare.

Usage: xlsx_facts.py FILE. Per sheet: its name, the heading cells (rows 1 to 5), the
header row and first data row, column widths, the grid on empty cells, frozen panes,
autofilter, print setup, footer, the signature rows and the charts (type and title).
"""
import datetime
import sys

import openpyxl

HEADER_ROW = 7  # server/report.h kHeaderRow, 1-based


def text(value):
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    return "" if value is None else str(value)


def main(path):
    book = openpyxl.load_workbook(path)
    print("sheets:", "|".join(book.sheetnames))
    for sheet in book.worksheets:
        print("==", sheet.title)
        for row in range(1, 6):
            for cell in sheet[row]:
                if cell.value is not None:
                    print(f"{cell.coordinate}: {text(cell.value)}")
        print("header:", "|".join(text(c.value) for c in sheet[HEADER_ROW]))
        row = HEADER_ROW + 1
        while any(c.value is not None for c in sheet[row]):  # the table ends at a blank
            print(f"row{row - HEADER_ROW}:", "|".join(text(c.value) for c in sheet[row]))
            row += 1
        widths = []
        for col in range(1, sheet.max_column + 1):
            letter = openpyxl.utils.get_column_letter(col)
            dim = sheet.column_dimensions.get(letter)
            if dim is not None and dim.width:
                # libxlsxwriter stores the width asked for plus Excel's cell padding.
                widths.append(f"{letter}={int(dim.width)}")
        print("widths:", " ".join(widths))
        print("header height:", sheet.row_dimensions[HEADER_ROW].height)
        # The grid's lines on cells left empty: a conditional format with thin borders.
        grid = [str(cf.sqref) for cf in sheet.conditional_formatting
                if any(r.dxf is not None and r.dxf.border is not None
                       and r.dxf.border.left.style == "thin" for r in cf.rules)]
        print("grid:", " ".join(grid))
        print("freeze:", sheet.freeze_panes)
        print("filter:", sheet.auto_filter.ref)
        area = sheet.print_area
        print("print area:", ",".join(area) if isinstance(area, list) else area)
        setup = sheet.page_setup
        # An absent fitToWidth is Excel's default, 1 page wide.
        width = 1 if setup.fitToWidth is None else setup.fitToWidth
        print("page:", setup.orientation, "paper", setup.paperSize, "fit",
              f"{width}x{setup.fitToHeight}",
              "fitToPage", sheet.sheet_properties.pageSetUpPr.fitToPage)
        print("repeat rows:", sheet.print_title_rows)
        print("footer:", sheet.oddFooter.center.text)
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
            for cell in row:
                if cell.value in ("Người lập biểu", "Lãnh đạo"):
                    print(f"sign: {cell.coordinate} {cell.value}")
        for chart in sheet._charts:
            title = "".join(
                run.t for p in chart.title.tx.rich.p for run in (p.r or []))
            print("chart:", chart.tagname, getattr(chart, "type", ""), title)


if __name__ == "__main__":
    main(sys.argv[1])
