"""The dashboard's numbers and the pages' safety, from hand-made result records (no grading needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from grader.course.load import LoadedCourse, load_course
from grader.course.tolerances import DEFAULT_TOLERANCES
from grader.plot_numbers import pack_numbers
from grader.report.class_stats import class_stats
from grader.report.html_reports import write_reports
from grader.report.plots import PlotCache, render_comparison, render_histogram
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


def test_equal_plots_are_drawn_once_per_run_and_different_ones_apart() -> None:
    cache = PlotCache()
    pictures = [cache.comparison(_curve(slope)) for slope in (1.0, 1.5, 1.0, 1.0)]
    assert (cache.drawn, cache.reused) == (2, 2)
    assert pictures[0] is pictures[2] and pictures[0] != pictures[1]


def test_a_plot_is_inline_svg_with_both_lines_and_the_differing_range_shaded() -> None:
    svg = str(render_comparison(_curve(1.0)))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="reference"') == 1 and svg.count('class="student"') == 1
    assert 'class="differs"' in svg and "yours differs here" in svg
    assert "http" not in svg  # no xmlns or any other address: the pages' policy and tests forbid them


def test_a_record_with_packed_numbers_draws_the_same_picture_as_one_with_lists() -> None:
    listed = _curve(1.5)
    packed = {**listed, "x": pack_numbers(listed["x"])}  # type: ignore[arg-type]
    packed["series"] = [
        {"label": "value", "reference": pack_numbers(s["reference"]), "student": pack_numbers(s["student"])}
        for s in listed["series"]  # type: ignore[attr-defined]
    ]
    assert render_comparison(packed) == render_comparison(listed)


def test_a_correct_students_plot_has_no_shaded_range() -> None:
    plot = _curve(2.0)
    assert 'class="differs"' not in str(render_comparison(plot))


@pytest.mark.parametrize(("miss_in_atols", "shaded"), [(0.5, False), (2.0, True)])
def test_a_plot_record_without_a_tolerance_is_shaded_by_the_default_float32_tolerance(miss_in_atols: float, shaded: bool) -> None:
    plot = _curve(2.0)
    del plot["tolerance"]
    series = plot["series"][0]  # type: ignore[index]
    series["reference"] = [0.0] * len(series["reference"])
    series["student"] = [miss_in_atols * DEFAULT_TOLERANCES["float32"].atol] * len(series["reference"])
    assert ('class="differs"' in str(render_comparison(plot))) is shaded


def test_text_from_a_record_is_escaped_inside_the_svg() -> None:
    plot = {**_curve(1.0), "title": "f(</svg><script>alert(1)</script>)"}
    plot["series"] = [{**plot["series"][0], "label": "<b>bold</b>"}, {**plot["series"][0], "label": "two"}]  # type: ignore[index]
    svg = str(render_comparison(plot))
    assert "<script>" not in svg and "<b>" not in svg and svg.count("</svg>") == 1
    assert "&lt;/svg&gt;&lt;script&gt;" in svg and "&lt;b&gt;bold&lt;/b&gt;" in svg


def test_gaps_and_a_truncated_student_series_are_drawn_as_far_as_they_go() -> None:
    plot = _curve(1.0)
    series = plot["series"][0]  # type: ignore[index]
    series["student"] = [None if i % 10 == 3 else v for i, v in enumerate(series["student"][:25])]
    svg = str(render_comparison(plot))
    student = svg.split('class="student" d="')[1].split('"')[0]
    assert student.count("M") == 4  # the pen lifts at the gaps (points 3, 13 and 23), and nothing is drawn after point 24


def test_extreme_and_constant_values_still_give_finite_coordinates() -> None:
    x = [0.0, 1.0, 2.0]
    for values in ([1e308, -1e308, 0.0], [5.0, 5.0, 5.0], [0.0, 0.0, 0.0], [1e-300, 2e-300, 3e-300]):
        plot = {"kind": "curve", "title": "f", "x": x, "series": [{"label": "v", "reference": values, "student": values}]}
        svg = str(render_comparison(plot))
        assert "nan" not in svg and "inf" not in svg, values


def test_a_malformed_plot_record_raises_a_value_error_the_page_can_catch() -> None:
    with pytest.raises((KeyError, TypeError, ValueError)):
        render_comparison({"kind": "curve", "x": [], "series": []})
    with pytest.raises((KeyError, TypeError, ValueError)):
        render_comparison({"kind": "curve", "x": ["a"], "series": []})


def test_the_histogram_has_a_bar_per_occupied_band_with_its_count() -> None:
    svg = str(render_histogram([0.0, 3.0, 3.5, 10.0], 10.0))
    assert svg.count('class="histogram-bar"') == 3
    assert "2 submissions: 3 to 4 points" in svg and "1 submission: 9 to 10 points" in svg
    assert "Score distribution (4 submissions, maximum 10)" in svg
    assert 'class="histogram-bar"' in str(render_histogram([float("inf"), float("nan"), 1e308, 2.0], float("inf")))


_LINE = st.lists(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)), min_size=2, max_size=12)


@settings(max_examples=200, deadline=None)
@given(reference=_LINE, student=_LINE)
@example(reference=[None, None], student=[0.0, 2.2250738585072014e-308])  # a subnormal-small span once scaled to infinity
def test_any_numbers_a_record_can_hold_give_a_drawable_plot(reference: list[float | None], student: list[float | None]) -> None:
    x = [float(i) for i in range(len(reference))]
    plot = {"kind": "curve", "title": "f", "x": pack_numbers(x), "series": [{"label": "v", "reference": reference, "student": student}]}
    svg = str(render_comparison(plot))
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", svg.split("<path class=")[0])]
    assert "nan" not in svg and "inf" not in svg
    assert svg.count("<text") <= 40  # a handful of ticks whatever the range
    assert all(abs(n) < 1e6 for n in numbers[:8])  # the frame lies inside the picture


def test_a_dtype_accepted_on_a_passed_check_is_noted_once_on_the_students_page(tmp_path: Path, course: LoadedCourse) -> None:
    note = "your result is float32 where float64 was expected; its values match"
    checks = [_check("backward", True, message=note), _check("gradcheck", True, message=note), _check("random", False, message="off")]
    _write(tmp_path, [_submission("ada", checks)])
    html = write_reports(tmp_path, course).pages["ada"].read_text(encoding="utf-8")
    assert html.count(note) == 1
    assert f'<p class="muted note">Note: {note}</p>' in html
