"""What xlsync writes into a class workbook, as data (spec.py: the types; class_book.py: the
status block, 逾期提醒, 校验 marks and 校验结果). The file, live-Excel and Google writers only
draw it (xlsync/files/render.py, xlsync/excel/render.py, xlsync/google/render.py)."""
