"""Exports a researcher writes up with: excerpts, memos, the codebook appendix, spreadsheets and Word files.

Each module is a noun for what it holds: `excerpts`, `memos`, `codebook` (the appendix),
`tables` (cross-tabs and other tables as CSV, Excel or Markdown); `citing` places spans
(passage, lines, cue time), `files` names and writes files (whole or not at all), `cells` is the
one writer of spreadsheet cells (CSV and Excel: no cell runs as a formula), `spreadsheet` and
`word` write .xlsx and .docx. REFI-QDA interchange with other QDA
tools lives in `coder.refi`. python-docx and lxml are imported inside the functions that write those
formats, so importing this package stays cheap.
"""
