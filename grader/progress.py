"""What a person sees while a class is graded: a live bar on a terminal, log lines elsewhere.

On a terminal: rich's progress bar with the count, the rate and the time left.
Not on a terminal (CI, ``nohup``, a pipe into ``tee``): one plain line per
submission with the same numbers, so a log shows how far a long night got.
``--quiet``: nothing until the final line. The rate and ETA are measured on
this run's submissions only (those skipped as already graded cost nothing).
"""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from grader.class_run import ClassPlan
from grader.report.terminal import plural
from grader.results import SubmissionResult, format_points
from grader.text_safety import one_line


class ClassProgress:
    """Callbacks for :func:`grader.class_run.run_class`: ``plan`` once, then ``graded`` per submission."""

    def __init__(self, console: Console, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.live = console.is_terminal and not quiet
        self.total = 0
        self.done = 0
        self.started = time.monotonic()
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> ClassProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()

    def plan(self, plan: ClassPlan) -> None:
        self.total = plan.to_grade
        self.started = time.monotonic()
        if self.quiet:
            return
        if plan.skipped:
            self.console.print(
                f"{plan.skipped} of {plural(plan.total, 'submission')} unchanged since they were graded: kept (--force regrades them)",
                markup=False,
                highlight=False,
            )
        if self.live and plan.to_grade:
            self._bar = Progress(
                TextColumn("grading"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TextColumn("elapsed"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self._task = self._bar.add_task("grading", total=plan.to_grade, rate="")
            self._bar.start()

    def graded(self, result: SubmissionResult) -> None:
        self.done += 1
        if self.quiet:
            return
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1, rate=f"{rate:.1f}/s")
            return
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        name = one_line(result.submission, 200)  # a folder name may hold escapes or newlines: shown, never obeyed
        self.console.print(
            f"[{self.done}/{self.total}] {name}: {format_points(result.points)}/{format_points(result.max_points)}"
            f" ({rate:.1f}/s, about {left:.0f} s left)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


__all__ = ["ClassProgress"]
