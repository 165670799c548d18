"""My progress (/me) in headless Chromium: a trainee of iot101, in Vietnamese and English.

Run as a script to refresh the screenshots in the docs:
``.venv/bin/python -m tests.progress.test_me_browser site/img`` (writes
trainee-progress-vi.png and trainee-progress-en.png).
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import Request

from senlab import events
from senlab.courses import list_courses
from senlab.courses.labs import completion_rule
from senlab.progress import db
from senlab.progress.app import create_app
from senlab.progress.auth import browser_identity, current_identity
from senlab.progress.crud import organisations as orgs
from senlab.progress.identity import Identity
from senlab.settings import REPO_ROOT, Settings
from tests.progress.postgres_server import free_port
from tests.progress.test_dashboard_browser import CHROMIUM_ARGS

pytestmark = pytest.mark.browser
TRAINEE = Identity("hv.lan", groups=frozenset({"trainees"}))
GRADER = Identity("grader", kind="service")
COURSE = "iot101"
LAB = "iot101-sensors"


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def post(base: str, batch: list[dict[str, Any]]) -> None:
    response = httpx.post(f"{base}/api/events", json={"events": batch})
    assert response.status_code == 200 and response.json()["rejected"] == 0, response.text


@contextmanager
def trainee_service(home: Path) -> Iterator[str]:
    """The service on a free port with iot101 published from the repository; the hub login
    is replaced by one trainee (and the grader, for posting events)."""
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'progress.sqlite'}")
    app = create_app(settings)
    with db.session_scope(app.state.sessions) as session:
        orgs.upsert_trainee(session, username=TRAINEE.name, full_name="Nguyễn Thị Lan",
                            enterprise_id=None)
    app.dependency_overrides[browser_identity] = lambda: TRAINEE

    async def who(request: Request) -> Identity:  # the grader posts; everyone else is the trainee
        return GRADER if request.method == "POST" else TRAINEE

    app.dependency_overrides[current_identity] = who
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
    [course] = [c for c in list_courses(REPO_ROOT / "courses") if c.id == COURSE]
    rule = completion_rule(course, REPO_ROOT / "labs", REPO_ROOT / "courses" / COURSE
                           / "course.yaml")
    post(base, [events.course_published(course, rule, datetime(2026, 1, 5, tzinfo=UTC))])
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


def in_progress(base: str) -> None:
    """Graded 5.5 of 6, the hint of slow-down-air taken, ping-station passed, slow-down-air
    not yet, a practice check failed."""
    name = TRAINEE.name
    post(base, [
        events.lab_started(name, LAB, COURSE, at(2, 8)),
        events.lab_check(name, LAB, "ping-station", True, at(2)),
        events.hint_taken(name, LAB, "slow-down-air", at(2, 10)),
        events.lab_check(name, LAB, "slow-down-air", False, at(2, 11)),
        events.lab_check(name, LAB, "stuck-pm25", False, at(2, 11)),
        events.grade_recorded(COURSE, "mqtt-telemetry", name, 5.5, 6, at(3)),
    ])


def completed(base: str) -> None:
    post(base, [events.lab_check(TRAINEE.name, LAB, "slow-down-air", True, at(4))])


def open_page(base: str, lang: str, screenshot: Path | None = None) -> tuple[dict, list]:
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        # A browser set to Vietnamese; English is chosen on the page.
        page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="vi-VN")
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{base}/")  # the root, as the hub's Services menu links it
        found: dict[str, Any] = {"url": page.url, "title": page.title(),
                                 "heading": page.locator("section.course h2").inner_text(),
                                 "score": page.locator("span.score").first.inner_text(),
                                 "remaining": page.locator(".remaining-checks li")
                                 .all_inner_texts(),
                                 "hints": page.locator(".hints li").all_inner_texts()}
        if lang != "vi":
            page.click(f"nav.lang a[hreflang={lang}]")
            found.update(switched_title=page.title(),
                         switched_heading=page.locator("section.course h2").inner_text())
            page.goto(f"{base}/me")  # the choice is remembered without ?lang=
            found["remembered_title"] = page.title()
        found["certificate"] = page.locator(".certificate-code").all_inner_texts()
        if found["certificate"]:
            # the certificate's links, as the browser follows them (with its login cookie)
            for key in ("pdf", "verify"):
                href = page.locator(f"a.certificate-{key}").get_attribute("href")
                answer = page.request.get(base.split("/services/")[0] + str(href))
                found[key] = (answer.status, answer.headers["content-type"].split(";")[0])
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return found, requested


def test_my_progress_in_vietnamese_from_the_services_menu(tmp_path):
    with trainee_service(tmp_path) as base:
        in_progress(base)
        before, requested = open_page(base, "vi")
        completed(base)
        after, _ = open_page(base, "vi", tmp_path / "shot.png")
    assert before["url"] == f"{base}/me"  # the root sent the trainee to their page
    assert before["title"] == "Tiến độ của tôi · SenLab"
    assert before["heading"] == "IoT cơ bản: cảm biến, MQTT và dữ liệu đo"
    assert before["score"] == "5,5/6"
    # the listed check still missing, by its lab.yaml title (not its id)
    assert before["remaining"] == ["Đặt chu kỳ gửi của trạm không khí thành 10 giây"]
    # one hint at 1 point (course.yaml hint_cost: 1), taken on 2 March 2026
    assert before["hints"] == ["Đặt chu kỳ gửi của trạm không khí thành 10 giây · 1 điểm "
                               "02/03/2026"]
    assert before["certificate"] == []
    # (5.5 − 1) / 6 = 75 % ≥ 60 %, both listed checks passed: completed, a certificate
    assert after["remaining"] == [] and len(after["certificate"]) == 1
    assert after["certificate"][0].startswith("SL-")
    assert after["pdf"] == (200, "application/pdf") and after["verify"] == (200, "text/html")
    assert all(url.startswith(base) for url in requested), requested  # offline
    assert (tmp_path / "shot.png").stat().st_size > 20_000


def test_my_progress_switches_to_english_and_remembers_it(tmp_path):
    with trainee_service(tmp_path) as base:
        in_progress(base)
        found, _ = open_page(base, "en")
    assert found["title"] == "Tiến độ của tôi · SenLab"  # a vi-VN browser first
    assert found["switched_title"] == "My progress · SenLab"
    assert found["switched_heading"] == "IoT basics: sensors, MQTT and telemetry"
    assert found["remembered_title"] == "My progress · SenLab"


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with trainee_service(Path(tempfile.mkdtemp())) as base:
        in_progress(base)
        completed(base)
        open_page(base, "vi", folder / "trainee-progress-vi.png")
        open_page(base, "en", folder / "trainee-progress-en.png")
    print(folder)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
