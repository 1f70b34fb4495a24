"""Write the HTML reports of a graded class from its stored records, or one student's page.

:func:`write_reports` reads ``OUT/submissions/*.json`` and nothing else of the
run, so ``grade run`` (once, at its end) and ``grade report OUT`` (alone, any
time later) produce the same pages, whatever the grading pipeline looked like.
For the same reason pages are written atomically but not synced to disk one by
one (a sync per page cost more than drawing it): after a power cut,
``grade report OUT`` rebuilds them from the records, which are synced.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.course.load import LoadedCourse
from grader.report.class_stats import class_stats, exercise_order
from grader.report.dashboard import dashboard_page, render_dashboard
from grader.report.feedback_page import feedback_page, render_feedback
from grader.report.plots import PlotCache
from grader.report.records_json import read_submission_json, safe_file_stem, write_text_atomic
from grader.report.similarity_page import read_summary, records_key
from grader.results import SubmissionResult

RECORDS = "submissions"
FEEDBACK = "feedback"
INDEX = "index.html"


@dataclass(frozen=True)
class ReportFiles:
    """What :func:`write_reports` wrote, and what it cost."""

    index: Path
    pages: dict[str, Path]
    """Feedback page per submission name."""
    seconds: float
    plots_drawn: int
    plots_reused: int
    unreadable: list[str] = field(default_factory=list)


def load_records(records_dir: Path) -> tuple[list[SubmissionResult], list[str]]:
    """Every readable record, sorted by submission name, and a sentence per file that could not be read."""
    results, problems = [], []
    for path in sorted(records_dir.glob("*.json")):
        try:
            results.append(read_submission_json(path))
        except (OSError, ValueError, KeyError, TypeError) as error:
            problems.append(
                f"{path.name} could not be read as a result record ({type(error).__name__}: {str(error)[:200]}); it is left out"
            )
    results.sort(key=lambda r: r.submission.casefold())
    return results, problems


def _titles(loaded: LoadedCourse) -> dict[str, str]:
    return {exercise.id: exercise.title for exercise in loaded.course.exercises}


def write_reports(out_dir: Path, loaded: LoadedCourse) -> ReportFiles:
    """``OUT/index.html`` and ``OUT/feedback/<submission>.html`` from ``OUT/submissions/*.json``."""
    started = time.perf_counter()
    results, unreadable = load_records(out_dir / RECORDS)
    feedback_dir = out_dir / FEEDBACK
    feedback_dir.mkdir(parents=True, exist_ok=True)
    titles = _titles(loaded)
    plots = PlotCache()
    stems = {result.submission: safe_file_stem(result.submission) for result in results}
    pages = {}
    for result in results:
        path = feedback_dir / f"{stems[result.submission]}.html"
        try:
            feedback = feedback_page(result, loaded.course.title, titles, plots, course_seed=loaded.course.seed)
            write_text_atomic(path, render_feedback(feedback), durable=False)
        except Exception as error:  # one odd record (hand-edited, from another version) must not cost the class its dashboard
            unreadable.append(
                f"the feedback page of {result.submission!r} could not be written ({type(error).__name__}: {str(error)[:200]})"
            )
            continue
        pages[result.submission] = path
    order = exercise_order(results, loaded.exercise_ids)
    stats = class_stats(results, order)
    similarity = read_summary(out_dir)
    if similarity is not None:  # computed by `grade run` from other records (then run with --no-similarity): say so
        similarity["stale"] = bool(similarity["records"]) and similarity["records"] != records_key(results)
    page = dashboard_page(stats, results, stems, order, titles, loaded.course.title, unreadable, similarity)
    index = out_dir / INDEX
    write_text_atomic(index, render_dashboard(page), durable=False)
    return ReportFiles(
        index=index,
        pages=pages,
        seconds=time.perf_counter() - started,
        plots_drawn=plots.drawn,
        plots_reused=plots.reused,
        unreadable=unreadable,
    )


def write_feedback_file(result: SubmissionResult, loaded: LoadedCourse, path: Path, visible_only: bool = True) -> Path:
    """One student's page (``grade check --html``): visible checks only unless told otherwise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page = feedback_page(result, loaded.course.title, _titles(loaded), PlotCache(), visible_only=visible_only)
    write_text_atomic(path, render_feedback(page))
    return path


__all__ = ["FEEDBACK", "INDEX", "ReportFiles", "load_records", "write_feedback_file", "write_reports"]
