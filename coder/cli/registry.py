"""Every command: the modules of coder/cli that define it, and its summary for `coder --help`.

A command's module is imported only when that command runs (or its own help is asked for), so `coder --help`
and each command start without importing what the other commands need. tests/test_cli_registry.py keeps
this table true to the commands (a new command, or a changed first paragraph of its help, goes here too).
"""

COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "actors": (("tables",), "The survey network against the coding: each organisation's centrality beside the passages"
               " where it is coded as actor, by function (count and share of the function) and by phase, and Spearman's ρ."),
    "agree": (("agreement",), "Inter-coder agreement per code, per code group and pooled, with interpretation bands."),
    "assign": (("assign",), "Assign documents to coders, mark them done, or list who codes what (no DOC)."),
    "autocode": (("autocode",), "Code every passage found by words, a regular expression or a speaker with CODE."),
    "backup": (("trust",), "Copy the study database to FILE with SQLite's backup API, safely, even while others are coding."),
    "code": (("coding",), "Code PASSAGES (a number like 7 or a range like 7-9) of DOCUMENT with CODE."),
    "codebook": (("study",), "Print the codebook as a tree, with shortcut keys and the number of codings of each code."),
    "codings": (("coding",), "List codings with their document, passage, code, coder, quote and memo."),
    "cooccur": (("tables",), "Code co-occurrence: passages coded with both codes (the diagonal: passages coded with the code)."),
    "doctor": (("trust",), "Check the study and list everything that needs attention; exits 1 if anything does."),
    "export": (("exports",), "Write excerpts, memos or the codebook for the write-up, or the whole study as REFI-QDA."),
    "export-coder": (("merge",), "Write one coder's codings, memos and events (with the documents and codes they use) to FILE."),
    "import": (("study", "codings_file", "exports"),
               "Import transcripts (the default) or a REFI-QDA project (coder import qdpx FILE)."),
    "init": (("study",), "Create a new, empty study in DIRECTORY (codebook/, transcripts/, exports/, study.db)."),
    "log": (("trust",), "The study's history from the events log: who changed what and when, oldest first."),
    "matrix": (("tables",), "Write a unit × code 0/1 matrix (with document attributes) for R, SPSS or Stata."),
    "merge": (("merge",), "Bring another copy's coders, codings, memos and events into this study."),
    "network": (("tables",), "Rank the survey's organisations by weighted out-degree (the paper's Table 2),"
                " with in/out degree and betweenness."),
    "reconcile": (("reconcile",), "Settle the coders' disagreements into a consensus coding from the command line:"
                  " list, agreed, settle."),
    "search": (("search",), 'Find the passages matching QUERY: words (all of them), "a phrase", prefix*, a OR b, -excluded.'),
    "suggest": (("suggest",), "Suggestions learned from the study's own coding, on this machine: evaluate them, or apply one code"
                " with them."),
    "serve": (("serve",), "Serve the study's workbench to the coders' browsers (one workbench per session), or manage their"
              " logins."),
    "status": (("study",), "Documents, words, passages, codes, and each coder's codings and share of passages coded."),
    "uncode": (("coding",), "Remove CODE from PASSAGES of DOCUMENT (only the coder's own codings, only inside those passages)."),
    "xtab": (("tables",), "Cross-tabulate ROWS against COLUMNS: code, group, phase, actor, type, local, based_in, membership,"
             " document, attr:KEY, coder, or the name of a code group (e.g. function)."),
}
