"""Exports for writing (excerpts, memos, the codebook) and REFI-QDA interchange with other QDA tools.

Each module is a noun for what it holds: `excerpts`, `memos`, `codebook` (the appendix),
`qdpx` (writing REFI-QDA projects and `.qdc` codebooks), `refi_reader` and `refi_import`
(reading them from other tools and adding them to a study), `refi` (namespaces, safe XML,
schemas); `citing` places spans (passage, lines, cue time), `files` names and writes files
(never overwriting, safe spreadsheet cells), `spreadsheet` and `word` write .xlsx and .docx,
`codebook_file` adds imported codes to codebook.yaml. python-docx and lxml are imported inside
the functions that write those formats, so importing this package stays cheap.
"""
