"""Broker passwords: derived from a secret key, stored only as Mosquitto hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

# Mosquitto 2's `$7$` format is PBKDF2-SHA512 over a 12-byte salt. mosquitto_passwd uses
# 101 iterations; we use more, bounded by the cost of 10,000 fleet connections at start.
PBKDF2_ITERATIONS = 1000
SALT_BYTES = 12


def derive_password(key: str, username: str) -> str:
    """The password of `username`: an HMAC of the name under the broker's secret key."""
    digest = hmac.new(key.encode(), f"broker:{username}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:24]).decode()


def mosquitto_hash(password: str, *, iterations: int = PBKDF2_ITERATIONS) -> str:
    """Hash `password` in the `$7$` format that Mosquitto's password_file reads."""
    salt = os.urandom(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_mosquitto_hash(password: str, stored: str) -> bool:
    """Check `password` against a `$7$` hash, as Mosquitto does."""
    try:
        _, kind, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "7":
        return False
    computed = hashlib.pbkdf2_hmac(
        "sha512", password.encode(), base64.b64decode(salt), int(iterations)
    )
    return hmac.compare_digest(base64.b64encode(computed).decode(), digest)
