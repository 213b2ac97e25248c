"""The docs' picture of the served workbench, docs/serve-screenshot.png: the bundled study served by `coder serve`,
ana logged in through her one-time link, her workbench in Debian's Chromium (1280×800) on the passage she coded.

Run once, when the workbench's look changes: python tests/serve/screenshot.py [OUT.png]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.conftest import opened  # noqa: E402
from tests.serve.lab import CHROMIUM, CHROMIUM_ARGS, new_page, open_workbench, press, serving  # noqa: E402


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    if CHROMIUM is None:
        sys.exit("no Chromium installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as folder:
        study = Path(folder) / "piura"
        for part in ("codebook", "transcripts"):
            shutil.copytree(REPO / part, study / part)
        with serving(opened(study)) as served, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = new_page(browser)
            open_workbench(page, served.add_coder("ana"), "ana")
            press(page, "j", "passage 2/")  # a passage ana's demonstration codings mark
            page.screenshot(path=str(out))
            browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "serve-screenshot.png")
