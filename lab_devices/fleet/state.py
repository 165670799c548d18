"""What a fleet must not forget when it dies: the labs it runs and their devices' evidence.

A fleet keeps its labs in memory. Killed (a crash, an out-of-memory kill, SIGKILL), it is
started again by whoever manages it (the hub, within a second or two), and without this
file every trainee's lab would be gone, and with it the evidence their checks stand on.

The layout, in the fleet's state folder:

| path | what |
| --- | --- |
| ``labs.json`` | ``{"labs": [{"trainee", "lab", "started_at"}, ...]}``, rewritten whole |
| ``evidence/<trainee>/<lab>.jsonl`` | one `Evidence` per line, appended as it happens |

``labs.json`` is written to a temporary name and renamed, so a kill leaves the old list or
the new. An evidence line cut short by a kill is skipped on reading (it is the last one,
and logged). A lab's evidence goes when the lab is stopped. Files are 0600 and folders
0700: evidence names trainees and what they did.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from lab_devices.device.messages import Evidence

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SavedLab:
    trainee: str
    lab: str
    started_at: float


class FleetState:
    """The running labs and their evidence, under `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._logs: dict[tuple[str, str], IO[str]] = {}

    @property
    def labs_path(self) -> Path:
        return self.folder / "labs.json"

    def _evidence_path(self, trainee: str, lab: str) -> Path:
        return self.folder / "evidence" / trainee / f"{lab}.jsonl"

    def _folder(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)

    # -- labs ------------------------------------------------------------------------------
    def save_labs(self, labs: Iterable[SavedLab]) -> None:
        self._folder(self.folder)
        document = {"labs": [asdict(lab) for lab in labs]}
        temporary = self.labs_path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(document, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.labs_path)

    def load_labs(self) -> list[SavedLab]:
        """The labs that were running; a file that cannot be read is named in the error."""
        try:
            document = json.loads(self.labs_path.read_text())
            return [SavedLab(str(e["trainee"]), str(e["lab"]), float(e["started_at"]))
                    for e in document["labs"]]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{self.labs_path}: not a fleet's list of labs: {error!r}") from None

    # -- evidence --------------------------------------------------------------------------
    def append_evidence(self, records: Iterable[Evidence]) -> None:
        """Append each record to its lab's log (flushed: a killed process loses nothing
        the kernel has; a machine that loses power may lose the last lines)."""
        for record in records:
            key = (record.trainee, record.lab)
            handle = self._logs.get(key)
            if handle is None:
                path = self._evidence_path(*key)
                self._folder(path.parent)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                handle = self._logs[key] = os.fdopen(fd, "a")
            handle.write(json.dumps(record.as_dict(), separators=(",", ":")) + "\n")
            handle.flush()

    def evidence(self, trainee: str, lab: str) -> list[Evidence]:
        path = self._evidence_path(trainee, lab)
        records = []
        try:
            lines = path.read_text().splitlines()
        except FileNotFoundError:
            return []
        for number, line in enumerate(lines, 1):
            try:
                records.append(Evidence(**json.loads(line)))
            except (ValueError, TypeError) as error:
                log.warning("%s:%d: evidence skipped, not a record (%s)", path, number, error)
        return records

    def forget(self, trainee: str, lab: str) -> None:
        """A stopped lab's evidence goes with it."""
        handle = self._logs.pop((trainee, lab), None)
        if handle is not None:
            handle.close()
        self._evidence_path(trainee, lab).unlink(missing_ok=True)

    def close(self) -> None:
        for handle in self._logs.values():
            handle.close()
        self._logs.clear()

    def clear(self) -> None:
        """Forget everything (tests, and an operator's reset)."""
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)
