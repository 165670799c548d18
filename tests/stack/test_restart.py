"""`senlab up --demo` again on the same SENLAB_HOME: same accounts, same secrets, no duplicates."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from tests.stack.harness import login, reachable_tmpdir, start_stack

pytestmark = pytest.mark.integration


def test_the_demo_survives_a_restart_unchanged():
    tmp = reachable_tmpdir()
    stacks = []
    try:
        first = start_stack(tmp)
        stacks.append(first)
        login(first, "trainee1").get("/hub/api/user").raise_for_status()
        secrets = {p.name: p.read_text() for p in (first.home / "secrets").iterdir()}
        passwd = (first.home / "broker" / "passwd").read_text()
        first.stop()
        (tmp / "senlab-up.log").rename(tmp / "first.log")

        second = start_stack(tmp)
        stacks.append(second)
        assert login(second, "trainee1").get("/hub/api/user").json()["name"] == "trainee1"
        assert login(second, "manager1").get("/hub/api/user").json()["name"] == "manager1"
        after = {p.name: p.read_text() for p in (second.home / "secrets").iterdir()}
        assert {name: after[name] for name in secrets} == secrets
        assert (second.home / "broker" / "passwd").read_text() == passwd
        with sqlite3.connect(second.home / "jupyterhub.sqlite") as db:
            rows = db.execute("select username, count(*) from users_info group by username")
            counts = dict(rows.fetchall())
        assert counts["trainee1"] == 1
        assert sum(counts.values()) == 7  # admin and the six demo accounts
    finally:
        for stack in stacks:
            stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)
