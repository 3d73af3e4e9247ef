"""The Google Sheets edge: a gspread client with bounded retries, the master sync, and class
workbooks kept in Google Sheets. Imports gspread (the `google` extra) only here."""
