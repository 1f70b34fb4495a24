"""The dashboard's numbers and the pages' safety, from hand-made result records (no grading needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from grader.course.load import LoadedCourse, load_course
from grader.report.class_stats import class_stats
from grader.report.html_reports import write_reports
from grader.report.plots import PARALLEL_FROM, PlotCache
from grader.report.records_json import write_submission_json
from grader.results import CheckResult, ExerciseResult, SubmissionResult

REPO = Path(__file__).resolve().parents[1]
HOSTILE = "<script>alert('name')</script>"


@pytest.fixture(scope="module")
def course() -> LoadedCourse:
    return load_course(REPO)


def _check(name: str, passed: bool, diagnosis: str | None = None, visible: bool = True, message: str = "") -> CheckResult:
    return CheckResult(
        exercise="custom_square",
        name=name,
        visible=visible,
        points=1.0 if passed else 0.0,
        max_points=1.0,
        status="passed" if passed else "failed",
        message=message,
        hint="Multiply by grad_output." if diagnosis else None,
        diagnosis=diagnosis,
    )


def _submission(name: str, checks: list[CheckResult], status: str = "graded", **extra: object) -> SubmissionResult:
    exercise = ExerciseResult(
        exercise="custom_square",
        status=status,  # type: ignore[arg-type]
        points=sum(c.points for c in checks),
        max_points=float(len(checks)) or 2.0,
        checks=tuple(checks),
        message="stopped after 20 s (the time limit)" if status == "timeout" else "",
        isolation="namespaces",
        **extra,  # type: ignore[arg-type]
    )
    return SubmissionResult(submission=name, path="/x", exercises=(exercise,))


def test_a_diagnosis_counts_each_submission_once_and_the_most_frequent_comes_first() -> None:
    results = [
        _submission("a", [_check("backward", False, "ignores_grad_output"), _check("gradcheck", False, "ignores_grad_output")]),
        _submission("b", [_check("backward", False, "ignores_grad_output"), _check("gradcheck", False, "constant_factor")]),
        _submission("c", [_check("backward", True), _check("gradcheck", True)]),
    ]
    stats = class_stats(results, ["custom_square"])
    assert [(d.name, d.submissions) for d in stats.diagnoses] == [("ignores_grad_output", 2), ("constant_factor", 1)]
    assert [(c.check, c.rate.passed, c.rate.total) for c in stats.checks] == [("backward", 1, 3), ("gradcheck", 1, 3)]
    assert stats.exercises[0].full_marks.passed == 1
    assert stats.isolation == (("namespaces", 3),)


def test_submissions_that_could_not_be_graded_are_listed_with_the_reason() -> None:
    stats = class_stats([_submission("slow", [], status="timeout"), _submission("ok", [_check("c", True)])], ["custom_square"])
    assert [(u.submission, u.status, u.reason) for u in stats.ungraded] == [("slow", "time-out", "stopped after 20 s (the time limit)")]


def _write(out: Path, results: list[SubmissionResult]) -> None:
    (out / "submissions").mkdir(parents=True)
    for result in results:
        write_submission_json(out / "submissions", result)


def test_student_text_is_escaped_and_pages_allow_no_network_and_no_foreign_script(tmp_path: Path, course: LoadedCourse) -> None:
    traceback = {
        "type": "ValueError",
        "message": "<script>alert('message')</script>",
        "frames": [{"line": 2, "code": "raise X('<b>')", "function": "f"}],
    }
    results = [
        _submission(
            HOSTILE,
            [_check("backward", False, message="got <img src=x onerror=alert(1)>")],
            traceback=traceback,
            output="<iframe src=http://example.com>",
        )
    ]
    _write(tmp_path, results)
    files = write_reports(tmp_path, course)
    pages = [files.index, *files.pages.values()]
    assert len(pages) == 2 and files.pages[HOSTILE].name == "_script_alert__name____script_.html"
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html and "<iframe" not in html and "<b>" not in html
        assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in html
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
        assert policy is not None and "default-src 'none'" in policy.group(1)
        assert ("script-src 'sha256-" if page == files.index else "script-src 'none'") in policy.group(1)
        assert "http://" not in html.replace("http://example.com", "") and "https://" not in html


def test_records_from_before_plots_still_give_pages(tmp_path: Path, course: LoadedCourse) -> None:
    _write(tmp_path, [_submission("old", [_check("c", False, "ignores_grad_output")])])
    record_path = tmp_path / "submissions" / "old.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    for exercise in record["exercises"]:
        exercise.pop("plot")
        exercise.pop("traceback")
    record_path.write_text(json.dumps(record), encoding="utf-8")
    (tmp_path / "submissions" / "stray.json").write_text("[1, 2]", encoding="utf-8")
    files = write_reports(tmp_path, course)
    assert set(files.pages) == {"old"}
    assert files.unreadable and "stray.json" in files.unreadable[0]
    assert "stray.json could not be read" in files.index.read_text(encoding="utf-8")


def test_a_tampered_figure_in_a_record_is_not_embedded(tmp_path: Path, course: LoadedCourse) -> None:
    plot = {
        "kind": "figure",
        "check": "fig",
        "title": "plot()",
        "student_png": "PHNjcmlwdD4=",
        "reference_png": "PHNjcmlwdD4=",
        "problem": "",
    }
    _write(tmp_path, [_submission("tampered", [_check("c", True)], plot=plot)])
    html = write_reports(tmp_path, course).pages["tampered"].read_text(encoding="utf-8")
    assert "PHNjcmlwdD4=" not in html and "data:image/png" not in html


def _curve(slope: float) -> dict[str, object]:
    x = [i / 10 for i in range(-20, 21)]
    return {
        "kind": "curve",
        "check": "c",
        "title": "f(x)",
        "x": x,
        "series": [{"label": "value", "reference": [2 * v for v in x], "student": [slope * v for v in x]}],
        "tolerance": {"rtol": 1e-6, "atol": 1e-5},
    }


def test_many_distinct_plots_are_drawn_ahead_in_processes_and_then_reused() -> None:
    cache = PlotCache()
    plots = [_curve(1 + i / 10) for i in range(PARALLEL_FROM)]
    cache.draw_ahead([*plots, *plots], workers=2)
    assert cache.drawn == PARALLEL_FROM
    pictures = [cache.comparison(plot) for plot in plots]
    assert cache.drawn == PARALLEL_FROM and cache.reused == PARALLEL_FROM
    assert all(p.startswith(b"\x89PNG") for p in pictures) and len(set(pictures)) == PARALLEL_FROM


def test_a_few_plots_are_drawn_in_process_when_needed() -> None:
    cache = PlotCache()
    cache.draw_ahead([_curve(1.0)], workers=2)
    assert cache.drawn == 0
    cache.comparison(_curve(1.0))
    cache.comparison(_curve(1.00000001))  # the same picture to the pixel
    assert (cache.drawn, cache.reused) == (1, 1)
