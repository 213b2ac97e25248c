"""Exports for writing (excerpts, memos, the codebook) and REFI-QDA interchange with other QDA tools.

Each module is a noun for what it writes: `excerpts`, `memos`, `codebook` (the appendix and the
`.qdc`), `qdpx` (the REFI-QDA project) and `refi_import` (reading `.qdpx`/`.qdc` from other tools);
`files` holds what they share (file names that say what they hold, never overwriting, safe
spreadsheet cells). python-docx, openpyxl and lxml are imported inside the functions that write
those formats, so importing this package stays cheap.
"""
