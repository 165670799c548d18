"""The hub's own pages in a real browser (Debian's Chromium), in Vietnamese: a person signs
up, the administrator sees their details and approves them, the new trainee is told the
next step; DOST officers, managers and the administrator land on the dashboard with no
server started; the switch to English is remembered; errors are pages for browsers and
JSON for API clients. Screenshots of each page go to site/img/hub-*-vi.png."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from senlab.settings import Settings
from tests.stack.harness import DEMO_PASSWORD, REPO, Stack, running_stack

pytestmark = [pytest.mark.integration, pytest.mark.browser]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SITE_IMG = REPO / "site" / "img"
VIEWPORT = {"width": 1200, "height": 800}
NEW_PASSWORD = "Sen-hong-2026-lab"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: make test installs it"
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def vietnamese(browser):
    return browser.new_context(viewport=VIEWPORT, locale="vi-VN",
                               extra_http_headers={"Accept-Language": "vi-VN,vi;q=0.9"})


def log_in(context, stack: Stack, username: str, password: str = DEMO_PASSWORD):
    page = context.new_page()
    page.goto(f"{stack.url}/hub/login")
    page.fill("#username_input", username)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_load_state("networkidle", timeout=60_000)
    return page


def server_of(page, stack: Stack, username: str):
    """The user's default server in the hub's API (the browser's own login cookie)."""
    response = page.request.get(f"{stack.url}/hub/api/users/{username}")
    assert response.ok, response.text()
    model = response.json()
    return model.get("server"), model.get("pending")


def admin_password(stack: Stack) -> str:
    return Settings(home=stack.home).secret("admin-password", nbytes=9)


def test_the_login_page_is_vietnamese_with_the_whole_logo(stack, browser):
    context = vietnamese(browser)
    page = context.new_page()
    page.goto(f"{stack.url}/hub/login")
    page.wait_for_selector("#username_input")
    assert page.evaluate("document.documentElement.lang") == "vi"
    assert "Đăng nhập SenLab" in page.content()
    assert page.locator("#lang-switch a[hreflang=en]").count() == 1
    page.screenshot(path=str(SITE_IMG / "hub-login-vi.png"))
    logo = page.locator("#jupyterhub-logo img")
    box = logo.bounding_box()
    # 32 px high, the drawing 150 × 40: 32 × 150 / 40 = 120 px wide, nothing cropped.
    assert box is not None and round(box["width"]) == 120 and round(box["height"]) == 32
    page.goto(f"{stack.url}/hub/logo")
    right_edge = page.evaluate("(() => { const b = document.querySelector('text').getBBox();"
                               " return b.x + b.width; })()")
    assert right_edge <= 150  # the word ends inside the 150-wide drawing
    context.close()


def test_sign_up_names_the_missing_fields_then_waits_for_approval(stack, browser):
    context = vietnamese(browser)
    page = context.new_page()
    page.goto(f"{stack.url}/hub/signup")
    page.click("#signup_submit")
    errors = page.locator("#signup-errors").inner_text()
    for text in ("Tên đăng nhập: bắt buộc", "Họ và tên: bắt buộc", "Doanh nghiệp: bắt buộc",
                 "Khu công nghiệp hoặc cụm công nghiệp: bắt buộc",
                 "Số điện thoại: hãy cho số điện thoại hoặc địa chỉ e-mail"):
        assert text in errors
    page.fill("#username_input", "lan")
    page.fill("#signup_password_input", NEW_PASSWORD)
    page.fill("#signup_password_confirmation_input", NEW_PASSWORD)
    page.fill("#full_name_input", "Nguyễn Thị Lan")
    page.fill("#enterprise_input", "Công ty TNHH Thực phẩm Mekong")
    page.fill("#park_input", "Khu công nghiệp Sa Đéc")
    page.fill("#phone_input", "0912 345 67")
    page.click("#signup_submit")
    assert "Số điện thoại: 0912 345 67 không phải số điện thoại Việt Nam" in page.inner_text(
        "#phone_error")
    assert page.input_value("#full_name_input") == "Nguyễn Thị Lan"  # the rest is kept
    page.fill("#signup_password_input", NEW_PASSWORD)
    page.fill("#signup_password_confirmation_input", NEW_PASSWORD)
    page.screenshot(path=str(SITE_IMG / "hub-signup-vi.png"), full_page=True)
    page.fill("#phone_input", "0912 345 678")
    page.click("#signup_submit")
    assert "đang chờ duyệt" in page.inner_text("#signup-result")
    page.goto(f"{stack.url}/hub/signup")  # a second sign-up, which the admin will discard
    for field, value in (("username", "binh"), ("signup_password", NEW_PASSWORD),
                         ("signup_password_confirmation", NEW_PASSWORD),
                         ("full_name", "Trần Văn Bình"), ("enterprise", "Không rõ"),
                         ("park", "Cụm công nghiệp Cái Gà"), ("email", "binh@example.com")):
        page.fill(f"#{field}_input", value)
    page.click("#signup_submit")
    assert "binh" in page.inner_text("#signup-result")
    early = log_in(context, stack, "lan", NEW_PASSWORD)  # before the approval
    assert "Tài khoản lan đang chờ quản trị viên duyệt" in early.inner_text(".login_error")
    context.close()


def signup_rows(stack: Stack, username: str) -> int:
    with sqlite3.connect(stack.home / "jupyterhub.sqlite") as db:
        return db.execute("SELECT count(*) FROM senlab_signup_details WHERE username = ?",
                          (username,)).fetchone()[0]


def test_the_admin_lands_on_the_dashboard_and_approves_with_the_details(stack, browser):
    context = vietnamese(browser)
    page = log_in(context, stack, "admin", admin_password(stack))
    assert "/services/progress/dashboard" in page.url
    assert server_of(page, stack, "admin") == (None, None)
    page.goto(f"{stack.url}/hub/authorize")
    row = page.locator("tr#lan")
    for text in ("Nguyễn Thị Lan", "Công ty TNHH Thực phẩm Mekong", "Khu công nghiệp Sa Đéc",
                 "0912345678", "Đang chờ duyệt"):
        assert text in row.inner_text()
    page.screenshot(path=str(SITE_IMG / "hub-authorize-vi.png"), full_page=True)
    row.locator("a.senlab-approve").click()
    page.wait_for_load_state("networkidle")
    assert "Đã duyệt" in page.locator("tr#lan").inner_text()
    assert signup_rows(stack, "binh") == 1
    page.locator("tr#binh a[href$='/discard/binh']").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("tr#binh").count() == 0
    assert signup_rows(stack, "binh") == 0 and signup_rows(stack, "lan") == 1
    context.close()


def test_a_trainee_with_courses_gets_jupyterlab_in_vietnamese(stack, browser):
    context = vietnamese(browser)
    page = log_in(context, stack, "trainee1")
    page.wait_for_url("**/user/trainee1/lab**", timeout=90_000)
    page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=60_000)
    menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    # The language pack's jupyterlab.json: "Settings" → "Cài đặt", "Edit" → "Chỉnh sửa".
    assert "Cài đặt" in menus and "Chỉnh sửa" in menus, menus
    context.close()


def test_the_approved_trainee_without_a_course_is_told_the_next_step(stack, browser):
    context = vietnamese(browser)
    page = log_in(context, stack, "lan", NEW_PASSWORD)
    assert page.url.endswith("/hub/home")
    step = page.inner_text("#next-step")
    assert "Bạn chưa được ghi danh vào khóa học nào." in step and "quản lý doanh nghiệp" in step
    assert page.get_attribute("#my-progress-button", "href") == "/services/progress/me"
    assert "Tiến độ của tôi" in page.inner_text("#my-progress-button")
    page.screenshot(path=str(SITE_IMG / "hub-home-vi.png"), full_page=True)
    assert server_of(page, stack, "lan") == (None, None)  # nothing started on her behalf
    context.close()


@pytest.mark.parametrize("username", ["dost1", "manager1"])
def test_dost_and_managers_land_on_the_dashboard_with_no_server(stack, browser, username):
    context = vietnamese(browser)
    page = log_in(context, stack, username)
    assert "/services/progress/dashboard" in page.url
    assert server_of(page, stack, username) == (None, None)
    context.close()


def test_the_switch_to_english_is_remembered_on_the_next_page(stack, browser):
    context = vietnamese(browser)
    page = context.new_page()
    page.goto(f"{stack.url}/hub/login")
    page.click("#lang-switch a[hreflang=en]")
    page.wait_for_selector("#login_submit")
    assert "Log in to SenLab" in page.content()
    page.goto(f"{stack.url}/hub/signup")  # no ?lang= now: the cookie decides
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "Sign up for an account" in page.content()
    context.close()


def test_errors_are_pages_for_browsers_and_json_for_api_clients(stack, browser):
    context = vietnamese(browser)
    page = context.new_page()
    response = page.goto(f"{stack.url}/hub/no-such-page")
    assert response is not None and response.status == 404
    text = page.inner_text("body")
    assert "Lỗi 404" in text and "Về trang chủ" in text
    api = page.request.get(f"{stack.url}/hub/api/no-such-thing")
    assert api.status == 404 and api.headers["content-type"].startswith("application/json")
    assert api.json()["status"] == 404
    context.close()
