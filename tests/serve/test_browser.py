"""The lab server in a real browser: Debian's Chromium, driven by Playwright, against `coder serve` on a copy of
the bundled study. Two coders log in from two browser contexts and code by keys at once; every coding lands in
the study under its own coder. A context without a login gets neither the page nor the WebSocket. A screenshot
of the served workbench shows the study.

One server, one browser and one pair of logins serve the whole module (about 20 s on two busy cores); the
module's tests run in one xdist worker (xdist_group, with `--dist loadgroup` in pyproject.toml)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from coder import coding
from coder.study import Study, connect_study
from tests.serve.lab import CHROMIUM, CHROMIUM_ARGS, TIMEOUT, Served, copy_study, new_page, press, screen_text, serving, wait_for_text

if CHROMIUM is None:
    pytest.skip("no Chromium installed (apt-get install chromium): the lab server's browser tests need it",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright's Python package is not installed")

pytestmark = pytest.mark.xdist_group("browser")

CODES = {"1": "Accessing", "2": "Diffusing", "3": "Coordinating", "4": "Enabling"}  # the bundled codebook's keys
KEYS = {"cora": "123", "dev": "432"}  # each code key after `g` (the coder's next uncoded passage)
CODED = {  # what those keys make of the first document, cong01: both coders start at its passage 1
    name: {("cong01", passage, CODES[key]) for passage, key in enumerate(keys, start=2)} for name, keys in KEYS.items()}


@pytest.fixture(scope="module")
def served(bundled_coded: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(copy_study(bundled_coded, tmp_path_factory.mktemp("served") / "piura")) as server:
        yield server


@pytest.fixture(scope="module")
def links(served: Served) -> dict[str, str]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor() as pool:  # each `coder serve add-coder` is a process of its own: both at once
        return dict(zip(KEYS, pool.map(served.add_coder, KEYS)))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sync_api.Browser]:
    """Chromium, headless, its profile (a fresh user-data-dir) under the test's tmp folder."""
    profile = tmp_path_factory.mktemp("chromium")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(profile))  # Playwright makes the browser's fresh profile in the driver's TMPDIR
        with sync_api.sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield launched
            launched.close()


@pytest.fixture(scope="module")
def workbenches(browser: sync_api.Browser, served: Served, links: dict[str, str]) -> Iterator[dict[str, sync_api.Page]]:
    """Each coder's link opened in a context of its own, the workbench shown as that coder."""
    pages = {}
    for name, link in links.items():
        page = pages[name] = new_page(browser)
        page.goto(link)
        assert page.url == served.url + "/", f"the login link of {name} led to {page.url}"
    for name, page in pages.items():
        wait_for_text(page, f"coder {name}")
        page.focus(".xterm-helper-textarea")  # where xterm.js takes the keys it sends to the app
    yield pages
    for page in pages.values():
        page.context.close()


def codings_of(study: Path) -> dict[str, set[tuple[str, int, str]]]:
    db = connect_study(Study(study))
    try:
        return {name: {(c["document"], c["passage"], c["code"]) for c in coding.codings(db, coder=coding.coder_id(db, name))}
                for name in KEYS if coding.is_coder(db, name)}
    finally:
        db.close()


def test_two_coders_code_at_once_each_as_themselves(workbenches: dict[str, sync_api.Page], served: Served):
    for step in range(3):  # the two coders' keys interleaved, one by one
        for page in workbenches.values():
            press(page, "g", f"passage {step + 2}/")
        for name, page in workbenches.items():  # the status line's note, or the code's count in the codebook pane
            code = CODES[KEYS[name][step]]
            press(page, KEYS[name][step], f"coded function/{code}", f"{code}  1")
    deadline = time.monotonic() + TIMEOUT
    while (found := codings_of(served.study)) != CODED and time.monotonic() < deadline:
        time.sleep(0.1)  # a poll: each app writes as soon as it reads its key
    assert found == CODED


def test_the_screenshot_shows_the_study(workbenches: dict[str, sync_api.Page], tmp_path: Path):
    from PIL import Image

    page = workbenches["cora"]
    wait_for_text(page, "int01")  # the documents pane lists the study's documents
    picture = tmp_path / "served.png"
    page.screenshot(path=str(picture))
    image = Image.open(picture).convert("RGB")
    assert image.size == (1280, 800)
    colours = image.getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20, "the screenshot is (nearly) blank"
    text = screen_text(page)
    assert all(name in text for name in ("cong01", "int01", "int20", "coder cora"))


def test_no_login_gets_nothing(browser: sync_api.Browser, served: Served, links: dict[str, str],
                               workbenches: dict[str, sync_api.Page]):
    sessions = served.children()  # the two coders' workbenches
    page = new_page(browser)
    try:
        for path in ("/", "/static/js/textual.js", links["cora"].removeprefix(served.url)):  # the last one is used up
            response = page.goto(served.url + path)
            assert response is not None and response.status in (401, 403), f"{path} answered {response and response.status}"
        opened = page.evaluate("""url => new Promise(done => {
            const socket = new WebSocket(url);
            socket.onopen = () => done("open");
            socket.onerror = () => done("refused");
            socket.onclose = () => done("refused");
        })""", served.url.replace("http:", "ws:") + "/ws?width=80&height=24")
        assert opened == "refused"
        assert "coder" not in screen_text(page)
        assert served.children() == sessions, "a workbench was started for a browser without a login"
    finally:
        page.context.close()
