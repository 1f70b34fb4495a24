"""Regrading with history: earlier grades are kept with their course fingerprint, and every output says what changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from grade_command import REPO, grade_argv, kill_when, run_grade

from grader.course.load import LoadedCourse, load_course
from grader.regrade import MAX_HISTORY, changes, summarise, with_history
from grader.report.html_reports import write_reports
from grader.report.records_json import read_submission_json, write_submission_json
from grader.results import CheckResult, ExerciseResult, SubmissionResult


def _result(name: str, statuses: dict[str, tuple[str, str]], course_key: str, fingerprint: str) -> SubmissionResult:
    checks = tuple(
        CheckResult("square", check, False, 1.0 if status == "passed" else 0.0, 1.0, status, message)  # type: ignore[arg-type]
        for check, (status, message) in statuses.items()
    )
    exercise = ExerciseResult("square", "graded", sum(c.points for c in checks), float(len(checks)), checks)
    return SubmissionResult(name, "/nowhere", (exercise,), course_key=course_key, fingerprint=fingerprint)


OLD = {"values": ("failed", "expected 18, got 36 [bold]"), "twice": ("passed", "")}
NEW = {"values": ("passed", ""), "twice": ("passed", ""), "grad_fn": ("failed", "no graph")}


def test_a_regrade_keeps_the_old_grades_with_the_course_fingerprint_that_produced_them() -> None:
    before = _result("ada", OLD, "course-1", "f1")
    after = with_history(_result("ada", NEW, "course-2", "f2"), before)
    (past,) = after.history
    assert past.course_key == "course-1" and past.points == 1.0
    assert [(c.name, c.status, c.message) for c in past.checks] == [
        ("values", "failed", "expected 18, got 36 [bold]"),
        ("twice", "passed", ""),
    ]
    again = with_history(_result("ada", NEW, "course-3", "f3"), after)
    assert [p.course_key for p in again.history] == ["course-1", "course-2"]


def test_grading_again_with_the_same_course_and_files_adds_no_history_entry() -> None:
    before = with_history(_result("ada", NEW, "course-2", "f2"), _result("ada", OLD, "course-1", "f1"))
    forced = with_history(_result("ada", NEW, "course-2", "f2"), before)
    assert forced.history == before.history


def test_history_is_capped_at_the_newest_entries() -> None:
    result = _result("ada", OLD, "course-0", "f0")
    for i in range(1, MAX_HISTORY + 5):
        result = with_history(_result("ada", OLD, f"course-{i}", f"f{i}"), result)
    assert len(result.history) == MAX_HISTORY and result.history[-1].course_key == f"course-{MAX_HISTORY + 3}"


def test_history_survives_the_json_record(tmp_path: Path) -> None:
    result = with_history(_result("ada", NEW, "course-2", "f2"), _result("ada", OLD, "course-1", "f1"))
    assert read_submission_json(write_submission_json(tmp_path, result)) == result


def test_changes_lists_each_changed_check_with_old_and_new_message() -> None:
    change = changes(with_history(_result("ada", NEW, "course-2", "f2"), _result("ada", OLD, "course-1", "f1")))
    assert change is not None and (change.old_points, change.new_points) == (1.0, 2.0)
    by_name = {c.check: c for c in change.checks}
    assert set(by_name) == {"values", "grad_fn"}
    assert (by_name["values"].old_status, by_name["values"].new_status, by_name["values"].old_message) == (
        "failed",
        "passed",
        "expected 18, got 36 [bold]",
    )
    assert by_name["grad_fn"].old_status == "absent" and by_name["grad_fn"].new_message == "no graph"
    assert changes(_result("bob", OLD, "course-1", "f1")) is None


def test_the_summary_counts_totals_up_down_and_same() -> None:
    summary = summarise([(1, 2), (2, 1), (3, 3), (0.1 + 0.2, 0.3)])
    assert (summary.up, summary.down, summary.same) == (1, 1, 2)


@pytest.fixture(scope="module")
def course() -> LoadedCourse:
    return load_course(REPO)


def test_the_dashboard_shows_the_last_regrade_and_grade_diff_prints_old_and_new_messages(tmp_path: Path, course: LoadedCourse) -> None:
    out = tmp_path / "out"
    (out / "submissions").mkdir(parents=True)
    write_submission_json(out / "submissions", with_history(_result("ada", NEW, "c2", "f2"), _result("ada", OLD, "c1", "f1")))
    write_submission_json(out / "submissions", _result("bob", OLD, "c2", "f9"))
    index = write_reports(out, course).index.read_text(encoding="utf-8")
    assert 'id="regrade"' in index and "regraded 1 submissions: 1 totals went up, 0 down, 0 stayed the same" in index
    assert "square::values failed -&gt; passed" in index
    done = run_grade("diff", out, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ada: 1 -> 2 points" in done.stdout and "square::values: failed (0) -> passed (1)" in done.stdout
    assert "was: expected 18, got 36 [bold]" in done.stdout, "student text is printed as it is, never as markup"
    assert "bob" not in done.stdout


def _course_copy(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    for folder in ("exercises", "solutions", "mutants"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copyfile(REPO / "course.yaml", root / "course.yaml")
    return root


def test_grade_run_after_a_course_change_reports_the_moves_and_keeps_every_earlier_grade(tmp_path: Path) -> None:
    root = _course_copy(tmp_path)
    for name, source in {"alice": REPO / "solutions" / "square.py", "bob": REPO / "mutants" / "square" / "returns_y.py"}.items():
        (tmp_path / "class" / name).mkdir(parents=True)
        shutil.copyfile(source, tmp_path / "class" / name / "square.py")
    out = tmp_path / "out"
    command = ["run", str(tmp_path / "class"), "--out", str(out), "--exercise", "square", "--jobs", "1"]
    first = run_grade(*command, course=root)
    assert first.returncode == 0, first.stderr
    assert "regraded" not in first.stdout
    before = {p.stem: read_submission_json(p) for p in (out / "submissions").glob("*.json")}
    text = (root / "course.yaml").read_text(encoding="utf-8")
    marker = "      - name: value_at_random_points\n        kind: value\n        entry: derivative_square\n        points: 2\n"
    assert marker in text
    (root / "course.yaml").write_text(text.replace(marker, marker.replace("points: 2", "points: 3"), 1), encoding="utf-8")
    second = run_grade(*command, course=root)
    assert second.returncode == 0, second.stderr
    assert "regraded 2 submissions: 1 totals went up, 0 down, 1 stayed the same" in second.stdout
    after = {p.stem: read_submission_json(p) for p in (out / "submissions").glob("*.json")}
    for name in ("alice", "bob"):
        (past,) = after[name].history
        assert past.course_key == before[name].course_key != after[name].course_key
        assert past.points == before[name].points
        assert [(c.name, c.status, c.message) for c in past.checks] == [
            (c.name, c.status, c.message) for e in before[name].exercises for c in e.checks
        ]
    assert after["alice"].points == before["alice"].points + 1


def _with_history(out: Path) -> int:
    """Records holding a history; each read whole (records are replaced atomically, never seen half-written)."""
    return sum(bool(json.loads(p.read_text(encoding="utf-8")).get("history")) for p in (out / "submissions").glob("*.json"))


def test_a_regrade_killed_with_sigkill_leaves_each_record_old_or_new_with_its_history(tmp_path: Path) -> None:
    root = _course_copy(tmp_path)
    for i in range(8):
        (tmp_path / "class" / f"student_{i}").mkdir(parents=True)
        shutil.copyfile(REPO / "solutions" / "square.py", tmp_path / "class" / f"student_{i}" / "square.py")
    out = tmp_path / "out"
    command = ["run", str(tmp_path / "class"), "--out", str(out), "--exercise", "square", "--jobs", "1", "--chunk", "1"]
    assert run_grade(*command, course=root).returncode == 0
    first = {p.stem: read_submission_json(p) for p in (out / "submissions").glob("*.json")}
    text = (root / "course.yaml").read_text(encoding="utf-8")
    (root / "course.yaml").write_text(text.replace("        points: 2\n", "        points: 4\n", 1), encoding="utf-8")
    kill_when(grade_argv(*command, course=root), lambda: _with_history(out) >= 2, timeout=300)
    survivors = {p.stem: read_submission_json(p) for p in (out / "submissions").glob("*.json")}
    assert set(survivors) == set(first)
    regraded = [name for name, record in survivors.items() if record.history]
    assert 2 <= len(regraded) <= 8
    for name, record in survivors.items():
        if record.history:
            (past,) = record.history
            assert past.course_key == first[name].course_key and past.points == first[name].points
        else:
            assert record == first[name], "a record not yet regraded is untouched"
    finished = run_grade(*command, course=root)
    assert finished.returncode == 0, finished.stderr
    final = {p.stem: read_submission_json(p) for p in (out / "submissions").glob("*.json")}
    assert all(len(r.history) == 1 and r.history[0].points == first[n].points for n, r in final.items())
