"""The coding screen's tools that open a dialog: search, auto-coding, open coding, export.

A mixin of `CodingScreen` (kept apart so the screen file stays readable); every action
writes through the domain, then hands back to the screen's `wrote` to re-read and repaint.
"""

from __future__ import annotations

from coder.autocode import apply_autocode
from coder.codebook import create_code, define_code, merge_codes, move_code, rename_code
from coder.errors import CoderError
from coder.search import next_hit
from coder.tui.dialogs.autocode import AutocodeDialog
from coder.tui.dialogs.new_code import NewCodeDialog
from coder.tui.dialogs.prompt import PromptDialog
from coder.tui.dialogs.quick_pick import QuickPick
from coder.tui.dialogs.search import SearchDialog
from coder.tui.widgets.codebook_pane import CodebookPane
from coder.tui.widgets.document_list import DocumentList


class CodingTools:
    """Search (/ n N), auto-coding (A), new and edited codes (+ e) and export (X) for the coding screen."""

    def action_search(self) -> None:
        document_id = self.at.document.info.id if self.at.document else None
        self.app.push_screen(SearchDialog(self.db, document_id), self.searched)

    def searched(self, found: tuple[list, int] | None) -> None:
        if not found:
            return
        self.at.hits, index = found
        hit = self.at.hits[index]
        self.go_to(hit.document_id, hit.ordinal)
        self.notify(f"hit {index + 1} of {len(self.at.hits)} — n / N for the next / previous", timeout=3)

    def action_next_hit(self, direction: int) -> None:
        if not self.at.hits:
            self.notify("No search yet: press / to search.", severity="warning")
            return
        hit = next_hit(self.at.hits, self.at.document.info.id, self.passage().ordinal, direction,
                       document=self.at.document.info.name)
        if hit is not None:
            self.go_to(hit.document_id, hit.ordinal)
            self.note = f"hit {self.at.hits.index(hit) + 1} of {len(self.at.hits)}"
            self.after_move()

    def action_autocode(self) -> None:
        codes = [(code_id, f"{style.group} / {style.name}") for code_id, style in self.code_styles.items()]
        self.app.push_screen(AutocodeDialog(self.db, codes, self.at.document.info.id), self.autocode)

    def autocode(self, chosen: tuple[int, list] | None) -> None:
        if not chosen:
            return
        code_id, matches = chosen
        count = apply_autocode(self.db, self.refs[code_id], matches, self.coder_id)
        self.wrote(f"auto-coded {count} passages with {self.refs[code_id].path} (u undoes them all)")
        self.load_documents()
        self.query_one(DocumentList).show_current(self.at.document.info.id)

    def action_new_code(self) -> None:
        groups: dict[str, list[str]] = {}
        for style in self.code_styles.values():
            groups.setdefault(style.group, []).append(style.name)
        editable = [g for g in groups if not self.generated_group(g)]
        highlighted = self.query_one(CodebookPane).cursor_node
        group = self.code_styles[highlighted.data].group if highlighted and highlighted.data in self.code_styles else None
        self.app.push_screen(NewCodeDialog(editable, groups, group), self.create_code)

    def generated_group(self, group: str) -> bool:
        return any(row["group"] == group and row.get("organisation_id") for row in self.query_one(CodebookPane).rows.values())

    def create_code(self, answer: dict | None) -> None:
        if not answer:
            return
        start, end = self.selection()
        try:
            code = create_code(self.db, self.study, **answer, coder_id=self.coder_id,
                               apply_to=(self.at.document.info.id, start, end))
        except CoderError as error:
            self.fail(error)
            return
        self.load_codebook()
        self.wrote(f"new code {code.path}, applied", (start, end))

    def action_edit_code(self) -> None:
        node = self.query_one(CodebookPane).cursor_node
        code_id = node.data if node is not None else None
        if code_id is None:
            self.notify("Highlight a code in the codebook (Tab to it), then press e.", severity="warning")
            return
        actions = [("rename", "Rename…", None), ("define", "Write its definition…", None),
                   ("move", "Move under another code…", None), ("merge", "Merge into another code…", None)]
        self.app.push_screen(QuickPick(f"Edit {self.refs[code_id].path}", actions),
                             lambda action: self.edit_code(code_id, action))

    def edit_code(self, code_id: int, action: str | None) -> None:
        code = self.refs[code_id]
        same_group = [(str(i), f"{s.group} / {s.name}", s.colour) for i, s in self.code_styles.items()
                      if s.group == code.group and i != code_id]
        if action == "rename":
            self.app.push_screen(PromptDialog(f"Rename {code.path} to", code.name),
                                 lambda name: name and self.codebook_edit(rename_code, code, name.strip()))
        elif action == "define":
            current = self.query_one(CodebookPane).rows[code_id].get("description") or ""
            self.app.push_screen(PromptDialog(f"Definition of {code.path}", current),
                                 lambda text: text is not None and self.codebook_edit(define_code, code, text))
        elif action == "move":
            self.app.push_screen(QuickPick(f"Move {code.path} under…", [("top", "(top level)", None), *same_group]),
                                 lambda target: target and self.codebook_edit(move_code, code, None if target == "top" else int(target)))
        elif action == "merge":
            self.app.push_screen(QuickPick(f"Merge {code.path} into…", same_group),
                                 lambda target: target and self.codebook_edit(merge_codes, code, int(target)))

    def codebook_edit(self, edit, *arguments) -> None:  # noqa: ANN001 - one of coder.codebook.editing's edits
        try:
            edit(self.db, self.study, *arguments, coder_id=self.coder_id)
        except CoderError as error:
            self.fail(error)
            return
        self.load_codebook()
        self.wrote(f"{edit.__name__.replace('_', ' ')}: {arguments[0].path}")

    def action_export(self) -> None:
        """The export dialog, preset to the code (or group) highlighted in the codebook, else the selection's codes."""
        from coder.tui.dialogs.export import ExportDialog

        pane = self.query_one(CodebookPane)
        node = pane.cursor_node if pane.has_focus else None
        if node is not None and node.data is None and node.children:
            self.app.push_screen(ExportDialog(self.study, self.db, self.coder_name, group=self.refs[node.children[0].data].group))
            return
        codes = [self.refs[node.data]] if node is not None and node.data is not None else \
            [self.refs[c.code_id] for c in self.mine_in_selection()]
        self.app.push_screen(ExportDialog(self.study, self.db, self.coder_name, codes=list(dict.fromkeys(code.path for code in codes))))
