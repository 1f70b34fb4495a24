"""The dashboard's layout: students and totals first, the per-check table collapsed at the end."""

from __future__ import annotations

from html.parser import HTMLParser

from grader.report.class_stats import class_stats
from grader.report.dashboard import dashboard_page, render_dashboard
from grader.results import CheckResult, ExerciseResult, SubmissionResult


def _submission(name: str, passed: bool) -> SubmissionResult:
    check = CheckResult(
        exercise="square",
        name="value",
        visible=True,
        points=float(passed),
        max_points=1.0,
        status="passed" if passed else "failed",
        message="",
    )
    exercise = ExerciseResult(exercise="square", status="graded", points=float(passed), max_points=1.0, checks=(check,))
    return SubmissionResult(submission=name, path=f"/subs/{name}", exercises=(exercise,))


class _Outline(HTMLParser):
    """The page's tables and headings in order, and which tables sit inside a closed ``<details>``."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []
        self.collapsed: set[str] = set()
        self._details: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "details":
            self._details.append("open" in found)
        if tag in ("table", "figure") and found.get("id"):
            self.order.append(str(found["id"]))
            if self._details and not any(self._details):
                self.collapsed.add(str(found["id"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._details.pop()


def _outline() -> _Outline:
    results = [_submission("ada", True), _submission("bob", False)]
    stats = class_stats(results, ["square"])
    page = dashboard_page(stats, results, {"ada": "ada", "bob": "bob"}, ["square"], {"square": "Square"}, "Autograd")
    outline = _Outline()
    outline.feed(render_dashboard(page))
    return outline


def test_the_students_table_comes_first() -> None:
    assert _outline().order[0] == "students"


def test_the_per_check_table_is_collapsed_after_everything_else() -> None:
    outline = _outline()
    assert outline.order[-1] == "checks"
    assert outline.collapsed == {"checks"}
