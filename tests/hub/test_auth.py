"""Seeded NativeAuthenticator accounts: created approved, idempotent, passwords hashed."""

from __future__ import annotations

import pytest
from nativeauthenticator.orm import UserInfo
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from senlab.hub.auth import SenLabAuthenticator


@pytest.fixture
def session(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    return sessionmaker(bind=engine)()


def make(session, accounts):
    return SenLabAuthenticator(seed_accounts=accounts, _deprecated_db_session=session)


def test_seeded_accounts_are_created_approved_with_hashed_passwords(session):
    make(session, {"trainee1": "demo-password-1"})
    info = UserInfo.find(session, "trainee1")
    assert info.is_authorized
    assert b"demo-password-1" not in info.password
    assert info.is_valid_password("demo-password-1")


def test_seeding_again_is_idempotent_and_applies_a_new_password(session):
    make(session, {"trainee1": "demo-password-1"})
    make(session, {"trainee1": "demo-password-1"})
    assert session.query(UserInfo).filter_by(username="trainee1").count() == 1
    make(session, {"trainee1": "new-password-2"})
    info = UserInfo.find(session, "trainee1")
    assert info.is_valid_password("new-password-2")
    assert not info.is_valid_password("demo-password-1")


async def _login(auth, username, password):
    return await auth.authenticate(None, {"username": username, "password": password})


def test_only_approved_accounts_with_the_right_password_log_in(session):
    import asyncio

    auth = make(session, {"trainee1": "demo-password-1"})
    import bcrypt

    pending = bcrypt.hashpw(b"pending-password", bcrypt.gensalt())
    session.add(UserInfo(username="pending", password=pending, is_authorized=False))
    session.commit()
    assert asyncio.run(_login(auth, "trainee1", "demo-password-1")) == "trainee1"
    assert asyncio.run(_login(auth, "trainee1", "wrong")) is None
    assert asyncio.run(_login(auth, "pending", "pending-password")) is None


def test_login_errors_are_said_in_the_pages_language():
    from senlab.hub.auth import login_error_text

    # nativeauthenticator 1.3's own texts (handlers.LoginHandler.post)
    assert login_error_text("Invalid username or password.", "vi") == (
        "Tên đăng nhập hoặc mật khẩu không đúng")
    assert login_error_text("Invalid username or password.", "en") == (
        "Invalid username or password")
    pending = "User lan has not been authorized by an administrator yet."
    assert login_error_text(pending, "vi").startswith("Tài khoản lan đang chờ quản trị viên")
    assert login_error_text(pending, "en").startswith(
        "The account lan is waiting for an administrator's approval")
    assert login_error_text("Something else", "vi") == "Something else"  # shown as it came
