"""The pure core: tables in, findings and statuses out. Imports no file or Excel library."""
