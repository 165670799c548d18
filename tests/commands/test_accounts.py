"""`senlab accounts`: what it refuses before it looks at or changes any account."""

from __future__ import annotations

import os

import pytest

from senlab.cli import main
from senlab.commands import accounts as command


@pytest.mark.parametrize("argv", [["accounts", "remove"],
                                  ["accounts", "remove", "--all", "trainee1"]])
def test_remove_wants_names_or_all_but_not_both(argv, capsys):
    assert main(argv) == 2
    assert "name the accounts, or pass --all" in capsys.readouterr().out


def test_the_refusal_is_in_vietnamese_under_a_vietnamese_locale(monkeypatch, capsys):
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    assert main(["accounts", "remove"]) == 2
    assert ("hãy nêu tên các tài khoản, hoặc dùng --all cho mọi tài khoản của SENLAB_HOME này"
            in " ".join(capsys.readouterr().out.split()))


def test_remove_is_refused_to_anyone_but_root(monkeypatch, capsys):
    monkeypatch.setattr(command, "isolated", lambda: False)
    assert main(["accounts", "remove", "--yes", "trainee1"]) == 2
    assert "only root can remove system accounts" in capsys.readouterr().out


@pytest.mark.skipif(os.geteuid() != 0, reason="remove looks names up only as root")
def test_remove_names_an_account_that_does_not_exist_and_changes_nothing(capsys):
    assert main(["accounts", "remove", "--yes", "no-such-account-here"]) == 2
    out = capsys.readouterr().out
    assert "'no-such-account-here': there is no such account" in out
    assert "nothing was changed" in out
