"""Deadlines and late work: the submission's time, the penalty, and every output showing raw and penalised points."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from grader import class_run, commands
from grader.course.load import LoadedCourse, load_course
from grader.course.schema import LatePolicy
from grader.engine import GradeOptions
from grader.errors import CourseError, UsageError
from grader.fingerprint import course_fingerprint
from grader.late_policy import apply_late_policy, penalty_percent, submission_time
from grader.report.gradescope import gradescope_results
from grader.report.html_reports import write_reports
from grader.report.records_json import read_submission_json, write_submission_json
from grader.results import CheckResult, ExerciseResult, SubmissionResult

REPO = Path(__file__).resolve().parents[1]
DUE = datetime(2026, 12, 1, 23, 59, tzinfo=timezone(timedelta(hours=1)))


@pytest.fixture(scope="module")
def course() -> LoadedCourse:
    return load_course(REPO)


def _policy(**changes: object) -> LatePolicy:
    settings: dict[str, object] = {"due": DUE, "grace_minutes": 15, "penalty_percent": 10, "per": "day", "max_penalty_percent": 30}
    settings.update(changes)
    return LatePolicy.model_validate(settings)


def _with_deadline(course: LoadedCourse, root: Path, policy: LatePolicy) -> LoadedCourse:
    return replace(course, course=course.course.model_copy(update={"deadline": policy}), root=root)


def test_the_penalty_counts_started_days_after_the_grace_period_up_to_the_cap() -> None:
    policy = _policy()
    assert penalty_percent(policy, 14 * 60) == 0
    assert penalty_percent(policy, 16 * 60) == 10
    assert penalty_percent(policy, 86_400) == 10
    assert penalty_percent(policy, 86_401) == 20
    assert penalty_percent(policy, 30 * 86_400) == 30
    assert penalty_percent(_policy(per="hour", penalty_percent=2, max_penalty_percent=100), 5.5 * 3600) == 12


def _course_yaml(tmp_path: Path, deadline: str) -> Path:
    text = (
        "course: c\ntitle: C\nseed: 1\n" + deadline + "exercises:\n  - id: relu\n    title: ReLU\n    description: d\n"
        "    entry_points: [relu]\n    checks:\n      - {name: forward, kind: value, entry: relu, points: 2, cases: [{args: [[1.0]]}]}\n"
    )
    for folder in ("exercises", "solutions"):
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / "relu.py").write_text("def relu(x): ...\n")
    (tmp_path / "course.yaml").write_text(text)
    return tmp_path / "course.yaml"


def test_course_yaml_declares_a_deadline_and_refuses_one_without_a_utc_offset_or_with_a_misspelt_key(tmp_path: Path) -> None:
    good = load_course(_course_yaml(tmp_path, "deadline:\n  due: 2026-12-01T23:59:00+01:00\n  penalty_percent: 10\n  per: hour\n"))
    assert good.course.deadline is not None and good.course.deadline.due == DUE and good.course.deadline.per == "hour"
    with pytest.raises(CourseError) as naive:
        load_course(_course_yaml(tmp_path, "deadline:\n  due: 2026-12-01 23:59:00\n"))
    assert any("deadline.due" in p and "timezone" in p for p in naive.value.problems)
    with pytest.raises(CourseError) as misspelt:
        load_course(_course_yaml(tmp_path, "deadline:\n  due: 2026-12-01T23:59:00Z\n  grace_minute: 5\n"))
    assert any("grace_minute" in p and "did you mean `grace_minutes`" in p for p in misspelt.value.problems)


def test_changing_the_deadline_does_not_regrade_the_class(course: LoadedCourse, tmp_path: Path) -> None:
    before = course_fingerprint(course, GradeOptions())
    assert course_fingerprint(_with_deadline(course, course.root, _policy()), GradeOptions()) == before
    seed_changed = replace(course, course=course.course.model_copy(update={"seed": course.course.seed + 1}))
    assert course_fingerprint(seed_changed, GradeOptions()) != before


def _result(name: str, folder: Path, course: LoadedCourse, points: float) -> SubmissionResult:
    first = course.course.exercises[0]
    maximum = first.points
    check = CheckResult(first.id, "all", False, points, maximum, "passed" if points == maximum else "failed", "")
    return SubmissionResult(name, str(folder), (ExerciseResult(first.id, "graded", points, maximum, (check,)),))


def _class(tmp_path: Path, course: LoadedCourse, names: list[str]) -> tuple[Path, list[Path]]:
    out = tmp_path / "out"
    (out / "submissions").mkdir(parents=True)
    paths = []
    for name in names:
        folder = tmp_path / "class" / name
        folder.mkdir(parents=True)
        (folder / f"{course.course.exercises[0].id}.py").write_text("x = 1\n")
        paths.append(write_submission_json(out / "submissions", _result(name, folder, course, 2.0)))
    return out, paths


def test_records_keep_raw_and_penalised_points_with_extensions_and_timestamps(course: LoadedCourse, tmp_path: Path) -> None:
    out, paths = _class(tmp_path, course, ["early", "late", "extended", "=evil"])
    (tmp_path / "times.csv").write_text(
        "submission,submitted\n"
        "early,2026-12-01T20:00:00+00:00\n"
        "late,2026-12-03T12:00:00Z\n"
        "extended,2026-12-03T12:00:00Z\n"
        "=evil,2026-12-03T12:00:00Z\n"
    )
    (tmp_path / "extensions.csv").write_text("submission,due\nextended,2026-12-04T00:00:00+00:00\n")
    loaded = _with_deadline(course, tmp_path, _policy(extensions="extensions.csv", timestamps="times.csv"))
    assert apply_late_policy(loaded, paths) == 4
    records = {p.stem: read_submission_json(p) for p in paths}
    late = records["late"].late
    assert late is not None and late.source == "timestamps CSV" and late.penalty_percent == 20
    assert (late.points_before, late.points, records["late"].points, records["late"].final_points) == (2.0, 1.6, 2.0, 1.6)
    assert records["early"].late is not None and records["early"].late.penalty_percent == 0
    assert records["extended"].late is not None and records["extended"].late.late_seconds == 0
    assert json.loads(paths[1].read_text())["late"]["points_before"] == 2.0, "the stored record keeps the raw points"
    assert apply_late_policy(loaded, paths) == 0, "an unchanged verdict is not written again"

    gradebook, _ = class_run.rebuild_outputs(out, loaded)
    rows = {row[0]: row for row in csv.reader(gradebook.open(encoding="utf-8"))}
    assert rows["submission"][-4:] == ["total", "late_hours", "late_penalty_percent", "total_after_penalty"]
    assert rows["late"][-4:] == ["2", "37.02", "20", "1.6"]

    exported, _ = commands.export(loaded, out, "csv")
    table = {row[0]: row for row in csv.reader(exported.open(encoding="utf-8"))}
    assert table["submission"][-3:] == [course.course.title, "points_before_penalty", "late_penalty_percent"]
    assert table["late"][-3:] == ["1.6", "2", "20"] and table["'=evil"][-3:] == ["1.6", "2", "20"]

    pages = write_reports(out, loaded)
    page = pages.pages["late"].read_text(encoding="utf-8")
    assert 'id="late"' in page and "-20%, 1.6 instead of 2 points" in page
    assert "late: -20% of 2" in pages.index.read_text(encoding="utf-8")
    assert gradescope_results(records["late"])["score"] == 1.6

    without = replace(loaded, course=loaded.course.model_copy(update={"deadline": None}))
    assert apply_late_policy(without, paths) == 4 and read_submission_json(paths[1]).late is None


def test_nbgrader_timestamp_txt_is_read_and_file_times_are_the_fallback(tmp_path: Path) -> None:
    nbgrader = tmp_path / "submitted" / "ada" / "ps1"
    nbgrader.mkdir(parents=True)
    (nbgrader / "timestamp.txt").write_text("2026-12-02 01:30:00.000000 UTC\n")
    assert submission_time(nbgrader, "ada", None) == (datetime(2026, 12, 2, 1, 30, tzinfo=timezone.utc), "nbgrader timestamp.txt")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "square.py").write_text("x = 1\n")
    moment = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc).timestamp()
    os.utime(plain / "square.py", (moment, moment))
    assert submission_time(plain, "bob", None) == (datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc), "file times")
    assert submission_time(tmp_path / "empty-folder", "eve", None) is None


def test_a_timestamps_file_without_an_offset_names_its_line(course: LoadedCourse, tmp_path: Path) -> None:
    _, paths = _class(tmp_path, course, ["ada"])
    (tmp_path / "times.csv").write_text("submission,submitted\nada,2026-12-01 12:00\n")
    with pytest.raises(UsageError, match=r"times.csv:2: '2026-12-01 12:00' has no UTC offset"):
        apply_late_policy(_with_deadline(course, tmp_path, _policy(timestamps="times.csv")), paths)
