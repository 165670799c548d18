"""The bubblewrap sandbox that student code runs in while it is graded.

`sandbox_command(policy, argv, workdir=..., binds=...)` wraps a command so that it
runs:

- with no network at all (`--unshare-net` also takes loopback away), in its own
  pid, ipc and uts namespaces, killed with its parent (`--die-with-parent`);
- on a read-only view of the system (/usr, /etc, the Python install and the
  virtualenv), a private empty /tmp of bounded size, and only the folders named
  in `binds` (the submission's scratch copy, the kernel's socket folder);
- as an unprivileged uid of its own (`setpriv`, when the grader is root), so it
  owns none of the grader's files and RLIMIT_NPROC counts only its processes;
- under rlimits on address space, processes, CPU time and file size (`prlimit`).

Run by root, bwrap needs no user namespace; it keeps CAP_SETUID/SETGID for
setpriv alone, and setpriv's change to a non-zero uid drops every capability.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

BWRAP = "bwrap"
SYSTEM_DIRS = ("/usr", "/etc")
MERGED_USR_LINKS = {
    "/bin": "usr/bin", "/sbin": "usr/sbin", "/lib": "usr/lib", "/lib64": "usr/lib64",
}  # fmt: skip


@dataclass(frozen=True)
class SandboxPolicy:
    """What a sandboxed process may use."""

    uid: int | None = None  # None: keep the caller's uid (when the grader is not root)
    memory_mb: int = 2048
    max_processes: int = 64
    cpu_seconds: int = 300
    max_file_mb: int = 64
    tmp_mb: int = 64
    read_only: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SandboxPolicy:
        data = json.loads(text)
        data["read_only"] = tuple(data.get("read_only", ()))
        return cls(**data)

    def with_uid(self, uid: int | None) -> SandboxPolicy:
        return SandboxPolicy(**{**asdict(self), "uid": uid, "read_only": self.read_only})


class SandboxUnavailable(RuntimeError):
    """bubblewrap or its helpers are missing, or cannot make namespaces here."""


def default_policy(settings, slot: int = 0) -> SandboxPolicy:  # noqa: ANN001 - Settings
    """The grading policy from settings; worker `slot` gets its own uid when we are root."""
    uid = settings.grading_uid_base + slot if os.geteuid() == 0 else None
    return SandboxPolicy(uid=uid, memory_mb=settings.grading_memory_mb)


def python_dirs() -> list[str]:
    """The folders the sandboxed Python needs: its install, its virtualenv, our packages."""
    import senlab

    dirs = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}
    dirs.add(str(Path(senlab.__file__).resolve().parent))
    lab_devices = Path(senlab.__file__).resolve().parent.parent / "lab_devices"
    if lab_devices.is_dir():
        dirs.add(str(lab_devices))
    return sorted(d for d in dirs if not d.startswith(SYSTEM_DIRS))


def check_available() -> None:
    """Raise SandboxUnavailable with the reason if the sandbox cannot run here."""
    for tool in (BWRAP, "prlimit", "setpriv"):
        if shutil.which(tool) is None:
            raise SandboxUnavailable(f"{tool} not found; install bubblewrap and util-linux")


def _parents(path: str) -> list[str]:
    parents = []
    current = Path(path).parent
    while str(current) != "/":
        parents.append(str(current))
        current = current.parent
    return list(reversed(parents))


def _mount_args(read_only: list[str], writable: list[str]) -> list[str]:
    args: list[str] = []
    for directory in SYSTEM_DIRS:
        args += ["--ro-bind", directory, directory]
    for link, target in MERGED_USR_LINKS.items():
        if os.path.islink(link):
            args += ["--symlink", target, link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    made: set[str] = set()
    for path in [*read_only, *writable]:
        # bwrap makes missing parents mode 0700, which the sandbox uid could not cross.
        for parent in _parents(path):
            if parent not in made and parent not in ("/usr", "/etc", "/tmp"):
                args += ["--perms", "0755", "--dir", parent]
                made.add(parent)
    for path in read_only:
        args += ["--ro-bind", path, path]
    for path in writable:
        args += ["--bind", path, path]
    return args


def _limit_args(policy: SandboxPolicy) -> list[str]:
    mib = 1024 * 1024
    return [
        "prlimit",
        f"--as={policy.memory_mb * mib}",
        f"--nproc={policy.max_processes}",
        f"--cpu={policy.cpu_seconds}",
        f"--fsize={policy.max_file_mb * mib}",
        "--core=0",
        "--",
    ]


def _user_args(policy: SandboxPolicy) -> tuple[list[str], list[str]]:
    """bwrap options and the in-sandbox prefix that drop to the policy's uid."""
    if policy.uid is None:
        return ["--unshare-user"], []
    uid = str(policy.uid)
    drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
    return ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"], drop


def sandbox_command(
    policy: SandboxPolicy,
    argv: list[str],
    *,
    workdir: str,
    writable: list[str] = (),  # type: ignore[assignment]
    read_only: list[str] = (),  # type: ignore[assignment]
    env: dict[str, str] | None = None,
) -> list[str]:
    """`argv` wrapped to run in the sandbox, in `workdir` (which must be in a bind)."""
    user_opts, drop = _user_args(policy)
    environment = {
        "HOME": "/tmp",
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "MPLCONFIGDIR": "/tmp",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        **(env or {}),
    }
    ro = python_dirs() + list(policy.read_only) + list(read_only)
    command = _limit_args(policy) + [
        BWRAP,
        "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
        "--unshare-cgroup-try", "--die-with-parent", "--new-session",
        *user_opts,
        "--proc", "/proc", "--dev", "/dev",
        "--perms", "1777", "--size", str(policy.tmp_mb * 1024 * 1024), "--tmpfs", "/tmp",
        *_mount_args(ro, list(writable)),
        "--hostname", "sandbox",
        "--clearenv",
    ]  # fmt: skip
    for key, value in environment.items():
        command += ["--setenv", key, value]
    return command + ["--chdir", workdir, "--", *drop, *argv]


def prepare_owned_dir(path: Path, policy: SandboxPolicy, mode: int = 0o700) -> None:
    """Give the sandbox uid a folder of its own (for scratch work and kernel sockets)."""
    path.mkdir(parents=True, exist_ok=True)
    if policy.uid is not None:
        os.chown(path, policy.uid, policy.uid)
    path.chmod(mode)


COPY_MAX_FILES = 2000
COPY_MAX_BYTES = 256 * 1024 * 1024


def copy_for_sandbox(source: Path, dest: Path, policy: SandboxPolicy, skip: tuple = ()) -> None:
    """Copy regular files of `source` into `dest`, owned by the sandbox uid.

    Symlinks are not followed or copied: a submission must not point the grader at
    files outside it. Files matching `skip` (e.g. the notebooks, which after
    sanitizing hold the hidden tests) are left out, and so is whatever lies past
    COPY_MAX_FILES files or COPY_MAX_BYTES bytes.
    """
    source, dest = Path(source).resolve(), Path(dest).resolve()
    if dest.is_relative_to(source):
        raise ValueError(f"cannot copy {source} into {dest}, a folder inside it")
    prepare_owned_dir(dest, policy)
    budget = {"files": COPY_MAX_FILES, "bytes": COPY_MAX_BYTES}
    for root, dirs, files in os.walk(source, followlinks=False):
        rel = Path(root).relative_to(source)
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
        for name in dirs:
            prepare_owned_dir(dest / rel / name, policy)
        for name in files:
            src = Path(root) / name
            if src.is_symlink() or not src.is_file() or any(src.match(p) for p in skip):
                continue
            budget["files"] -= 1
            budget["bytes"] -= src.stat().st_size
            if budget["files"] < 0 or budget["bytes"] < 0:
                return
            target = dest / rel / name
            shutil.copyfile(src, target)
            if policy.uid is not None:
                os.chown(target, policy.uid, policy.uid)
