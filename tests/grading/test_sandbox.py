"""The bubblewrap sandbox, probed from inside: what a sandboxed process can reach."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from senlab.grading.sandbox import (
    SandboxPolicy,
    check_available,
    copy_for_sandbox,
    python_dirs,
    sandbox_command,
)

pytestmark = pytest.mark.integration

PROBE = r'''
import json, os, socket, sys
out = {"uid": os.getuid(), "cwd": os.getcwd(), "files": sorted(os.listdir("."))}
def attempt(name, action):
    try:
        action()
        out[name] = "allowed"
    except BaseException as error:
        out[name] = type(error).__name__
attempt("read_secret", lambda: open(sys.argv[1]).read())
attempt("list_secret_dir", lambda: os.listdir(os.path.dirname(sys.argv[1])))
attempt("connect", lambda: socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=2))
attempt("write_usr", lambda: open("/usr/sandbox-test", "w"))
attempt("allocate_10gb", lambda: bytearray(10 * 1024 ** 3))
out["tmp"] = os.listdir("/tmp")
print(json.dumps(out))
'''


@pytest.fixture(scope="module", autouse=True)
def sandbox_available() -> None:
    check_available()


def run_probe(tmp_path: Path, policy: SandboxPolicy) -> dict:
    secret_dir = tmp_path / "course"
    secret_dir.mkdir()
    secret = secret_dir / "gradebook.db"
    secret.write_text("secret")
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "probe.py").write_text(PROBE)
    (submission / "answers.ipynb").write_text("{}")
    work = tmp_path / "work"
    copy_for_sandbox(submission, work, policy, skip=("*.ipynb",))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    argv = [sys.executable, "probe.py", str(secret), str(listener.getsockname()[1])]
    command = sandbox_command(policy, argv, workdir=str(work), writable=[str(work)])
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    finally:
        listener.close()
    return json.loads(done.stdout)


@pytest.mark.skipif(os.geteuid() != 0, reason="per-worker uids need the grader to be root")
def test_the_sandboxed_process_sees_only_its_own_copy_and_reaches_nothing(tmp_path: Path) -> None:
    result = run_probe(tmp_path, SandboxPolicy(uid=61999))
    assert result["uid"] == 61999
    assert result["files"] == ["probe.py"]  # the notebooks are left out of the copy
    assert result["read_secret"] == "FileNotFoundError"
    assert result["list_secret_dir"] == "FileNotFoundError"
    assert result["connect"] in {"OSError", "ConnectionRefusedError"}
    assert result["write_usr"] in {"OSError", "PermissionError"}
    assert result["allocate_10gb"] == "MemoryError"
    # /tmp is empty but for the bare paths down to what is bound: the scratch copy, and the
    # interpreter and packages when the checkout itself lives under /tmp
    bound = [tmp_path / "work", *map(Path, python_dirs())]
    tops = sorted({p.relative_to("/tmp").parts[0] for p in bound if p.is_relative_to("/tmp")})
    assert sorted(result["tmp"]) == tops


def test_a_process_limit_stops_a_fork_loop(tmp_path: Path) -> None:
    code = (
        "import os, time\ncount = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
        "            time.sleep(30)\n            os._exit(0)\n        count += 1\n"
        "except OSError:\n    print(count)\n"
    )
    policy = SandboxPolicy(uid=61998 if os.geteuid() == 0 else None, max_processes=20)
    command = sandbox_command(policy, [sys.executable, "-c", code], workdir="/tmp")
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    assert int(done.stdout) < 20


def test_a_copy_into_a_folder_inside_its_source_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="a folder inside it"):
        copy_for_sandbox(tmp_path, tmp_path / "work", SandboxPolicy())


def test_a_copy_stops_at_its_file_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from senlab.grading import sandbox

    monkeypatch.setattr(sandbox, "COPY_MAX_FILES", 3)
    source = tmp_path / "submission"
    source.mkdir()
    for index in range(10):
        (source / f"f{index}.txt").write_text("x")
    copy_for_sandbox(source, tmp_path / "work", SandboxPolicy())
    assert len(list((tmp_path / "work").iterdir())) == 3
