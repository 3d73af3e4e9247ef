"""The live-Excel edge: read and write the workbook open in Excel through xlwings.

Only a few xlwings objects are used (App: status_bar, alert, screen_updating; Book: name,
fullname, sheets, save; Sheet: name, range, cells, used_range, clear, charts, visible;
Range: value, options(ndim=2), color, number_format, font.bold, column_width, note,
add_note, add_hyperlink, conditional_formats; Chart: chart_type, set_source_data). The
tests drive these through the real xlwings API with an in-memory engine behind it
(tests/excel_engine.py). xlwings itself is imported only by `entry.caller()`.
"""
