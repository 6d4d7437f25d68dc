"""The preview page in real headless Chromium (Debian's chromium + chromium-driver).

The browser and its driver are given by path, so Selenium Manager never downloads anything.
Screenshots of the page are saved into tests/results/preview/ (git-ignored).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cardgen.preview import Preview
from cardgen.project import Project

from .conftest import CASES, ROOT, TEMPLATES
from .preview_support import MARK, add_mark, cards, twitter_only

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
RESULTS = ROOT / "tests" / "results" / "preview"
TIMEOUT = 60
CARD = "card/twitter/checkpoint-durham"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's Chromium at /usr/bin/chromium "
    "(apt-get install chromium chromium-driver; ./dev test installs them)",
)

# What one card's <img> shows: its src, whether it loaded, and one pixel of the top-left corner
# (where the test's template change draws a magenta square), read through a canvas.
PROBE = """
const img = document.querySelector(`figure[data-id="${arguments[0]}"] img`);
if (!img || !img.complete || img.naturalWidth === 0) return null;
const canvas = document.createElement("canvas");
canvas.width = img.naturalWidth;
canvas.height = img.naturalHeight;
const context = canvas.getContext("2d");
context.drawImage(img, 0, 0);
return {src: img.getAttribute("src"), pixel: Array.from(context.getImageData(20, 20, 1, 1).data)};
"""


@pytest.fixture
def driver() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="cardgen-chromium-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    browser = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    browser.set_page_load_timeout(TIMEOUT)
    browser.set_script_timeout(TIMEOUT)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_page_shows_every_card_and_follows_a_template_edit(tmp_path: Path, driver: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    twitter_only(templates)
    with Preview(Project.open(cases=CASES, templates=templates), port=0, jobs=2) as preview:
        assert preview.wait_idle(120), "the first render did not finish"
        expected = cards(preview)
        wait = WebDriverWait(driver, TIMEOUT, poll_frequency=0.1)
        driver.get(preview.url)

        # Every card is on the page: an image that loaded, or (the one expected) an error.
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "figure.card")) == len(expected))
        # In the server's order: the campaign's cards first, then the stress rows.
        shown = "return [...document.querySelectorAll('figure.card')].map(f => f.dataset.id)"
        order = list(expected)
        assert driver.execute_script(shown) == order
        assert order[0].startswith("card/") and order[-1].startswith("stress/")
        images = [c for c in expected.values() if c["status"] == "ok"]
        assert len(images) == len(expected) - 1  # all but the "one word too long" stress card
        loaded = (
            "return [...document.querySelectorAll('figure.card img')]"
            ".filter(i => i.complete && i.naturalWidth > 0).length"
        )
        wait.until(lambda d: d.execute_script(loaded) == len(images))
        error = driver.find_element(
            By.CSS_SELECTOR, 'figure[data-id="stress/twitter/title-too-long"] .error'
        )
        assert "title: too long for the twitter card" in error.text
        before = wait.until(lambda d: d.execute_script(PROBE, CARD))
        assert before["pixel"][:3] != [255, 0, 170]
        RESULTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(RESULTS / "preview.png"))

        # Edit the template: the image changes in place, without a reload.
        driver.execute_script("window.notReloaded = true;")
        add_mark(templates / "case.twitter.svg")
        assert MARK in (templates / "case.twitter.svg").read_text()
        after = wait.until(
            lambda d: (p := d.execute_script(PROBE, CARD)) and p["src"] != before["src"] and p
        )
        assert after["pixel"][:3] == [255, 0, 170]
        assert driver.execute_script("return window.notReloaded === true")
        wait.until(lambda d: d.execute_script(loaded) == len(images))
        driver.save_screenshot(str(RESULTS / "preview-after-edit.png"))

        # Clicking a card shows it large; the debug toggle draws text boxes over it.
        driver.find_element(By.CSS_SELECTOR, f'figure[data-id="{CARD}"] button').click()
        wait.until(lambda d: d.find_element(By.ID, "zoom").get_attribute("open") is not None)
        driver.find_element(By.ID, "debug").click()
        big = "return document.querySelector('#zoom-body img')"
        wait.until(lambda d: "debug=1" in d.execute_script(big).get_attribute("src"))
        wait.until(lambda d: d.execute_script(f"const i = {big[7:]}; return i.naturalWidth > 0"))
        driver.save_screenshot(str(RESULTS / "preview-debug.png"))
