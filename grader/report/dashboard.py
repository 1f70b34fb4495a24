"""The class dashboard (``index.html``): what an instructor should see in ten seconds.

Built from :func:`grader.report.class_stats.class_stats` and the records; the
histogram is inline SVG like every other plot (:mod:`grader.report.plots`).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from grader.regrade import changes, summarise
from grader.report.class_stats import NOT_GRADABLE, ClassStats, status_words
from grader.report.html import render, sort_script
from grader.report.plots import render_histogram
from grader.results import SubmissionResult, format_points


@dataclass(frozen=True)
class Cell:
    text: str
    sort: str


@dataclass(frozen=True)
class StudentRow:
    name: str
    href: str
    cells: list[Cell]
    total: str
    total_text: str
    note: str


@dataclass(frozen=True)
class DashboardPage:
    course_title: str
    submissions: int
    mean: str
    median: str
    max_points: str
    isolation: str
    histogram: Markup
    """Inline SVG from :func:`grader.report.plots.render_histogram`."""
    diagnoses: list[dict[str, str]]
    exercises: list[dict[str, str]]
    checks: list[dict[str, str]]
    ungraded: list[dict[str, str]]
    exercise_ids: list[str]
    students: list[StudentRow]
    unreadable: list[str]
    similarity: dict[str, Any] | None = None
    """The similarity report's summary (:func:`grader.report.similarity_page.read_summary`), None before the first."""
    regrade: dict[str, Any] | None = None
    """The last regrade's changes (:func:`regrade_section`), None when no submission was graded twice."""


def feedback_href(stem: str) -> str:
    """The relative link from ``index.html`` to a student's page (names may hold spaces and any letter)."""
    return "feedback/" + quote(f"{stem}.html")


def dashboard_page(
    stats: ClassStats,
    results: Sequence[SubmissionResult],
    stems: Mapping[str, str],
    exercise_ids: Sequence[str],
    titles: Mapping[str, str],
    course_title: str,
    unreadable: Sequence[str] = (),
    similarity: dict[str, Any] | None = None,
) -> DashboardPage:
    """The dashboard's data: the class's numbers as text for the template, one row per student.

    ``stems`` maps each submission to its feedback page's file stem; ``titles`` maps exercise ids to their titles.
    """
    totals = list(stats.totals)
    return DashboardPage(
        course_title=course_title,
        submissions=stats.submissions,
        mean=format_points(round(statistics.mean(totals), 2)) if totals else "-",
        median=format_points(round(statistics.median(totals), 2)) if totals else "-",
        max_points=format_points(stats.max_points),
        isolation=", ".join(f"{level} ({count} runs)" for level, count in stats.isolation) or "no worker ran",
        histogram=render_histogram(totals, stats.max_points),
        diagnoses=[
            {"label": d.name.replace("_", " "), "exercise": titles.get(d.exercise, d.exercise), "count": str(d.submissions), "hint": d.hint}
            for d in stats.diagnoses
        ],
        exercises=_exercise_rows(stats, titles),
        checks=_check_rows(stats),
        ungraded=_ungraded_rows(stats, stems),
        exercise_ids=list(exercise_ids),
        students=[_row(result, stems[result.submission], exercise_ids) for result in results],
        unreadable=list(unreadable),
        similarity=similarity,
        regrade=regrade_section(results, stems),
    )


def _exercise_rows(stats: ClassStats, titles: Mapping[str, str]) -> list[dict[str, str]]:
    """Per exercise: how many earned full marks, the mean and maximum points, how many could not be graded."""
    return [
        {
            "title": titles.get(e.exercise, e.exercise),
            "passed": str(e.full_marks.passed),
            "total": str(e.full_marks.total),
            "percent": f"{e.full_marks.percent:.0f}",
            "mean": format_points(e.mean_points),
            "max": format_points(e.max_points),
            "not_gradable": str(e.not_gradable),
        }
        for e in stats.exercises
    ]


def _check_rows(stats: ClassStats) -> list[dict[str, str]]:
    """Per check: its pass rate, and whether students see it (the template says visible or hidden)."""
    return [
        {
            "exercise": c.exercise,
            "name": c.check,
            "visible": "1" if c.visible else "",
            "passed": str(c.rate.passed),
            "total": str(c.rate.total),
            "percent": f"{c.rate.percent:.0f}",
        }
        for c in stats.checks
    ]


def _ungraded_rows(stats: ClassStats, stems: Mapping[str, str]) -> list[dict[str, str]]:
    """Exercises that could not be graded, linked to the student's page (only submissions that have one)."""
    return [
        {
            "submission": u.submission,
            "href": feedback_href(stems[u.submission]),
            "exercise": u.exercise,
            "status": u.status,
            "reason": u.reason,
        }
        for u in stats.ungraded
        if u.submission in stems
    ]


MAX_REGRADE_ROWS = 200


def regrade_section(results: Sequence[SubmissionResult], stems: Mapping[str, str]) -> dict[str, Any] | None:
    """How the latest grading of each submission graded before differs from the one before it: totals and changed checks."""
    found = [c for c in map(changes, results) if c is not None]
    if not found:
        return None
    summary = summarise((c.old_points, c.new_points) for c in found)
    changed = [c for c in found if c.checks or c.old_points != c.new_points]
    return {
        "sentence": summary.sentence(),
        "rows": [
            {
                "submission": c.submission,
                "href": feedback_href(stems[c.submission]) if c.submission in stems else "",
                "old": format_points(c.old_points),
                "new": format_points(c.new_points),
                "checks": ", ".join(f"{k.exercise}::{k.check} {k.old_status} -> {k.new_status}" for k in c.checks[:5])
                + (f" and {len(c.checks) - 5} more" if len(c.checks) > 5 else ""),
            }
            for c in changed[:MAX_REGRADE_ROWS]
        ],
    }


def _row(result: SubmissionResult, stem: str, exercise_ids: Sequence[str]) -> StudentRow:
    by_id = {e.exercise: e for e in result.exercises}
    cells = []
    notes = []
    for exercise_id in exercise_ids:
        exercise = by_id.get(exercise_id)
        if exercise is None:
            cells.append(Cell("-", "-1"))
            continue
        cells.append(Cell(format_points(exercise.points), format_points(exercise.points)))
        if exercise.status in NOT_GRADABLE:
            notes.append(f"{exercise_id}: {status_words(exercise.status)}")
    if result.exercises and all(e.status == "not_started" for e in result.exercises):
        notes.append("nothing started")
    if result.late is not None and result.late.penalty_percent:
        notes.append(f"late: -{result.late.penalty_percent:g}% of {format_points(result.points)}")
    return StudentRow(
        name=result.submission,
        href=feedback_href(stem),
        cells=cells,
        total=format_points(result.final_points),
        total_text=f"{format_points(result.final_points)} / {format_points(result.max_points)}",
        note="; ".join(notes),
    )


def render_dashboard(page: DashboardPage) -> str:
    return render("dashboard.html.j2", page, script=sort_script())


__all__ = ["DashboardPage", "dashboard_page", "feedback_href", "render_dashboard"]
