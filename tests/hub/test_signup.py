"""Sign-up asks what an approver needs, names each wrong field, keeps the details beside
NativeAuthenticator's row, and the approval page shows them."""

from __future__ import annotations

import datetime as dt

import pytest
from nativeauthenticator.orm import UserInfo
from sqlalchemy import create_engine, inspect
from sqlalchemy.orm import sessionmaker

from senlab.hub.auth import (
    SIGNUP_FIELDS,
    SenLabAuthenticator,
    SignupDetails,
    check_account,
    check_details,
    details_of,
    normal_phone,
)
from tests.hub.test_landing import FakeHandler, render, user

GOOD = {"full_name": "Nguyễn Thị Lan", "enterprise": "Công ty TNHH Thực phẩm Mekong",
        "park": "Khu công nghiệp Sa Đéc", "phone": "0912 345 678", "email": ""}


@pytest.fixture
def session(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    return sessionmaker(bind=engine)()


@pytest.fixture
def authenticator(session):
    return SenLabAuthenticator(seed_accounts={"admin": "admin-password-1"},
                               minimum_password_length=10, check_common_password=True,
                               _deprecated_db_session=session)


def texts(errors, lang="en"):
    return [error.text(lang) for error in errors]


def test_a_complete_form_passes_and_is_cleaned():
    clean, errors = check_details({**GOOD, "full_name": "  Nguyễn   Thị  Lan "})
    assert errors == []
    assert clean["full_name"] == "Nguyễn Thị Lan"
    assert clean["phone"] == "0912345678"  # separators dropped: 0912 345 678


def test_missing_fields_are_each_named():
    _clean, errors = check_details({})
    assert texts(errors) == [
        "Full name: required", "Enterprise: required",
        "Industrial park or cluster: required",
        "Phone: give a phone number or an e-mail address (at least one), so that the "
        "approver can reach you",
    ]


def test_missing_fields_are_named_in_vietnamese_too():
    _clean, errors = check_details({**GOOD, "enterprise": " ", "phone": ""})
    assert texts(errors, "vi") == [
        "Doanh nghiệp: bắt buộc",
        "Số điện thoại: hãy cho số điện thoại hoặc địa chỉ e-mail (ít nhất một), để người "
        "duyệt liên hệ được với bạn",
    ]


def test_an_e_mail_alone_is_enough_contact():
    clean, errors = check_details({**GOOD, "phone": "", "email": "lan@mekong.example"})
    assert errors == [] and clean["email"] == "lan@mekong.example"


@pytest.mark.parametrize("raw,digits", [
    ("0912 345 678", "0912345678"),     # mobile: 0 + 9 digits = 10
    ("+84 912.345.678", "0912345678"),  # +84 stands for the 0
    ("84912345678", "0912345678"),      # 84 without + (11 digits) → 0 + 9 digits
    ("(0277) 3851 234", "02773851234"),  # landline, area code 277: 0 + 10 digits = 11
])
def test_phone_numbers_are_read_as_dialled_in_viet_nam(raw, digits):
    assert normal_phone(raw) == digits
    clean, errors = check_details({**GOOD, "phone": raw})
    assert errors == [] and clean["phone"] == digits


@pytest.mark.parametrize("raw", ["12345", "0912 345 67", "0112345678", "09123456789",
                                 "số của tôi"])
def test_a_phone_number_that_is_not_vietnamese_is_refused_naming_the_field(raw):
    # 0912 345 67 is 9 digits; 0112345678 has no network code 1; 09123456789 is 11 digits
    # but not a landline (02…).
    _clean, errors = check_details({**GOOD, "phone": raw})
    assert [e.field for e in errors] == ["phone"]
    assert texts(errors)[0].startswith(f"Phone: {raw} is not a Vietnamese phone number")


@pytest.mark.parametrize("raw", ["lan", "lan@", "lan@mekong", "lan @mekong.vn", "a@b@c.vn"])
def test_a_bad_e_mail_is_refused_naming_the_field(raw):
    _clean, errors = check_details({**GOOD, "email": raw})
    assert texts(errors) == [f"E-mail: {raw} is not an e-mail address (like name@example.com)"]


def test_names_too_short_or_too_long_are_refused():
    _clean, errors = check_details({**GOOD, "full_name": "L", "enterprise": "x" * 201})
    assert texts(errors) == ["Full name: write at least 2 characters",
                             "Enterprise: at most 200 characters"]


def test_the_account_fields_are_named_when_wrong(authenticator):
    errors = check_account(authenticator, {
        "username": "admin", "signup_password": "short",
        "signup_password_confirmation": "other"})
    assert texts(errors) == [
        "User name: admin is already in use: choose another",
        "Password: at least 10 characters",
        "Password again: does not match the password",
    ]
    errors = check_account(authenticator, {
        "username": "lan nguyen", "signup_password": "password123",
        "signup_password_confirmation": "password123"})
    assert texts(errors) == [
        "User name: lan nguyen cannot be used: no spaces, commas or slashes",
        "Password: too common, choose a password others would not guess",
    ]
    assert texts(check_account(authenticator, {}))[0] == "User name: required"


def test_the_details_are_kept_in_their_own_table_beside_users_info(authenticator, session):
    assert {"users_info", "senlab_signup_details"} <= set(
        inspect(session.get_bind()).get_table_names())
    created = authenticator.create_user("lan", "Sen-hong-2026-lab")
    assert created is not None and not created.is_authorized
    clean, _errors = check_details(GOOD)
    authenticator.store_details("lan", clean)
    row = details_of(session)["lan"]
    assert (row.full_name, row.enterprise, row.park, row.phone) == (
        "Nguyễn Thị Lan", "Công ty TNHH Thực phẩm Mekong", "Khu công nghiệp Sa Đéc",
        "0912345678")
    authenticator.store_details("lan", {**clean, "park": "Cụm công nghiệp Cái Gà"})
    assert session.query(SignupDetails).count() == 1  # one row per user name
    assert details_of(session)["lan"].park == "Cụm công nghiệp Cái Gà"


def test_the_approval_page_shows_each_pending_users_details(authenticator, session):
    authenticator.create_user("lan", "Sen-hong-2026-lab")
    authenticator.store_details("lan", check_details(GOOD)[0])
    users = session.query(UserInfo).all()
    users.sort(key=lambda info: (bool(info.is_authorized), info.username))
    handler = FakeHandler("/hub/authorize", cookie="vi", user=user("admin", admin=True))
    html = render("senlab-authorization-area.html", handler, users=users,
                  details=details_of(session), parsed_scopes={"admin-ui"})
    pending = html.index('id="lan"')
    for text in ("Nguyễn Thị Lan", "Công ty TNHH Thực phẩm Mekong", "Khu công nghiệp Sa Đéc",
                 "0912345678", "Đang chờ duyệt", "/hub/authorize/lan", "/hub/discard/lan"):
        assert html.index(text, pending) > pending
    assert html.index('id="lan"') < html.index('id="admin"')  # pending first
    assert "Không có thông tin đăng ký" in html  # admin was seeded, not signed up
    assert "Duyệt tài khoản đăng ký" in html


def test_the_sign_up_page_lists_the_errors_beside_the_fields_and_keeps_the_values():
    _clean, errors = check_details({**GOOD, "phone": "123"})
    handler = FakeHandler("/hub/signup", cookie="en")
    html = render("senlab-signup.html", handler, form={**GOOD, "phone": "123"},
                  errors=texts(errors), field_errors={e.field: e.text("en") for e in errors},
                  fields=SIGNUP_FIELDS,
                  minimum_password_length=10, parks={"kcn-sa-dec": "Khu công nghiệp Sa Đéc"})
    assert 'id="phone_error"' in html and 'aria-invalid="true"' in html
    assert "Phone: 123 is not a Vietnamese phone number" in html
    assert 'value="Nguyễn Thị Lan"' in html
    assert '<option value="Khu công nghiệp Sa Đéc">' in html
    for label in ("Full name", "Enterprise", "Industrial park or cluster", "Phone", "E-mail"):
        assert label in html


def test_signed_up_is_stored_as_utc_now(authenticator, session):
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    authenticator.store_details("lan", check_details(GOOD)[0])
    assert before <= details_of(session)["lan"].signed_up
