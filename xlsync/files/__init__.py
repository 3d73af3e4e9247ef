"""The workbook-file edge: reading .xlsx/.xlsm/.xls/.ods/.csv and writing .xlsx/.xlsm safely."""
