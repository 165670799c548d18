"""A problem that makes a course unfit to publish: the file, the cell or field, the reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    cell: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.cell}: {self.reason}"
