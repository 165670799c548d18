"""A throwaway PostgreSQL server from Debian's packages, on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


def postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                   key=lambda p: int(p.parent.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run `apt-get install -y postgresql`")
    return found[-1].parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Debian always has C.UTF-8; the caller's locale (tests set LANG=en_US.UTF-8) may not be
# installed, and initdb refuses a locale that is not.
LOCALE_ENV = {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}


def _as_postgres_user(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def running_postgres() -> Iterator[str]:
    """Yield the URL of a fresh server's ``postgres`` database; stop and remove it after."""
    bindir = postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="senlab-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    made = subprocess.run(
        _as_postgres_user([str(bindir / "initdb"), "-D", str(data), "-A", "trust",
                           "-U", "postgres", "-E", "UTF8", "--no-sync"]),
        env={**os.environ, **LOCALE_ENV}, capture_output=True, text=True)
    if made.returncode != 0:
        raise RuntimeError(f"initdb failed ({made.returncode}): {made.stderr.strip()}")
    port = free_port()
    server = subprocess.Popen(_as_postgres_user([
        str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(folder),
        "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on"]),
        env={**os.environ, **LOCALE_ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        _wait_ready(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(url: str, server: subprocess.Popen) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"postgres exited with {server.returncode}")
        try:
            psycopg.connect(url, connect_timeout=1).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.1)
    raise RuntimeError(f"postgres did not answer at {url}")


def new_database(url: str, name: str) -> str:
    """Create database `name` on the server at `url`; return its URL."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"
