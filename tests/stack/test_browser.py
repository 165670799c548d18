"""A real browser (Debian's Chromium) logs in through the hub's form and reaches JupyterLab."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.stack.harness import DEMO_PASSWORD, REPO

pytestmark = [pytest.mark.integration, pytest.mark.browser]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = REPO / "build" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: make test installs it"
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_a_trainee_logs_in_with_a_real_browser(stack, browser):
    page = browser.new_page(viewport={"width": 1200, "height": 760}, locale="vi-VN")
    page.goto(f"{stack.url}/hub/login")
    page.wait_for_selector("#username_input")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "hub-login.png"))
    page.fill("#username_input", "trainee2")
    page.fill("#password_input", DEMO_PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/user/trainee2/lab**", timeout=90_000)
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    page.screenshot(path=str(SCREENSHOTS / "jupyterlab.png"))
    assert "/user/trainee2/lab" in page.url


def test_a_wrong_password_shows_the_form_again_with_an_error(stack, browser):
    page = browser.new_page()
    page.goto(f"{stack.url}/hub/login")
    page.fill("#username_input", "trainee3")
    page.fill("#password_input", "not-the-password")
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_selector("#username_input")
    assert "Invalid username or password" in page.content()
    assert "/hub/login" in page.url
