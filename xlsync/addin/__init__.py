"""The Excel add-in: `xlsync.xlam` built from the text sources in macros/, and its install."""
