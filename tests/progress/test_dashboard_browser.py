"""The dashboard in headless Chromium, on the demo province: drawn, offline, bilingual.

Run as a script to refresh the screenshot in the docs:
``.venv/bin/python -m tests.progress.test_dashboard_browser site/img/progress-dashboard.png``
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from senlab.courses import list_courses
from senlab.demo import load_demo
from senlab.progress.app import create_app
from senlab.progress.auth import browser_identity, current_identity
from senlab.progress.identity import Identity
from senlab.settings import REPO_ROOT, Settings
from tests.progress.postgres_server import free_port

pytestmark = pytest.mark.browser
DOST = Identity("dost1", groups=frozenset({"dost"}))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextmanager
def demo_service(home: Path) -> Iterator[str]:
    """The service on a free port with the demo data; the hub login is replaced by DOST."""
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'progress.sqlite'}")
    load_demo(settings)
    app = create_app(settings)
    app.dependency_overrides[current_identity] = lambda: DOST
    app.dependency_overrides[browser_identity] = lambda: DOST
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}/services/progress"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/api/health").is_success:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


def open_dashboard(base: str, lang: str, screenshot: Path | None = None) -> tuple[dict, list]:
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{base}/dashboard?lang={lang}&as_of=2026-11-20")
        found = {
            "title": page.title(),
            "trend_charts": page.locator("svg.trend").count(),
            "funnels": page.locator("svg.funnel").count(),
            "first_card": page.locator(".card h3").first.inner_text(),
            "polyline_points": page.locator("svg.trend polyline").first.get_attribute("points"),
        }
        page.select_option("select[name=park]", "kcn-sa-dec")
        page.click("button[type=submit]")
        found["filtered_url"] = page.url
        if screenshot is not None:
            page.goto(f"{base}/dashboard?lang={lang}&as_of=2026-11-20")
            page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return found, requested


def test_the_dashboard_draws_every_chart_from_the_service_alone(tmp_path):
    with demo_service(tmp_path) as base:
        found, requested = open_dashboard(base, "vi", tmp_path / "shot.png")
    assert found["title"] == "Tiến độ đào tạo 5G, IoT"
    assert found["trend_charts"] == 4
    assert found["funnels"] == len(list_courses(REPO_ROOT / "courses"))  # one a course
    assert len(found["polyline_points"].split()) == 6
    assert "park=kcn-sa-dec" in found["filtered_url"]
    assert all(url.startswith(base) for url in requested), requested  # no CDN, offline
    assert (tmp_path / "shot.png").stat().st_size > 20_000


def test_the_dashboard_in_english(tmp_path):
    with demo_service(tmp_path) as base:
        found, _ = open_dashboard(base, "en")
    assert found["title"] == "5G/IoT training progress"
    assert found["first_card"].startswith("Share of enterprises")


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.parent.mkdir(parents=True, exist_ok=True)
    with demo_service(Path(tempfile.mkdtemp())) as service:
        open_dashboard(service, "vi", target)
    print(target)
