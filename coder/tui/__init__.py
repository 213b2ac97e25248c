"""The Textual workbench. Everything it does goes through the domain modules; no SQL here."""
