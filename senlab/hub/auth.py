"""Authentication: NativeAuthenticator (accounts with admin approval), plus seeded accounts.

Operators onboard a real cohort with sign-up and approval (or `senlab roster import`).
`senlab up` also seeds the operator's `admin` account and, with `--demo`, the demo
cohort, so that a new hub can be used at once.
"""

from __future__ import annotations

import bcrypt
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.orm import UserInfo
from traitlets import Dict, Unicode


class SenLabAuthenticator(NativeAuthenticator):
    """NativeAuthenticator that also creates and approves the accounts it is given."""

    seed_accounts = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        help="""Accounts to create at start, approved, as username -> password.

        An existing account keeps its other data; its password is reset to the given one
        if it differs, so restarting with a new demo password takes effect.
        """,
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seed()

    def seed(self) -> None:
        """Create or update the seeded accounts (idempotent)."""
        for raw_name, password in self.seed_accounts.items():
            name = self.normalize_username(raw_name)
            info = self.get_user(name)
            if info is None:
                hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
                self.db.add(UserInfo(username=name, password=hashed, is_authorized=True))
                continue
            if not info.is_valid_password(password):
                info.password = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
            info.is_authorized = True
        self.db.commit()
