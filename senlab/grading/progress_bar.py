"""`senlab grade` on the terminal: the pool with a rich progress bar and a summary table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from senlab.grading.autograde import GradeResult
from senlab.grading.pool import grade_assignment, pool_size

if TYPE_CHECKING:
    from senlab.settings import Settings


def grade_with_progress(
    settings: Settings, course: str, assignment: str, *, workers: int | None = None,
    console: Console | None = None,
) -> list[GradeResult]:  # fmt: skip
    """Grade every collected submission, showing progress; print one row per submission."""
    console = console or Console()
    count = workers or pool_size(settings)
    columns = (
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(),
    )  # fmt: skip
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(f"{course}/{assignment} ({count} workers)", total=None)

        def advance(result: GradeResult, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        results = grade_assignment(settings, course, assignment, workers=workers, progress=advance)
    console.print(summary_table(results))
    return results


def summary_table(results: list[GradeResult]) -> Table:
    table = Table("trainee", "score", "seconds", "note")
    for result in results:
        score = f"{result.score:g}/{result.max_score:g}" if result.ok else "-"
        table.add_row(result.trainee, score, f"{result.seconds:.1f}", result.error)
    return table
