"""``grade export``: files whose structure is what Canvas's and Moodle's gradebook imports document."""

from __future__ import annotations

from pathlib import Path

import pytest
from grade_command import REPO, csv_rows, run_grade

from grader import commands
from grader.course.load import LoadedCourse, load_course
from grader.errors import UsageError
from grader.report.records_json import write_submission_json
from grader.results import CheckResult, ExerciseResult, SubmissionResult


@pytest.fixture(scope="module")
def course() -> LoadedCourse:
    return load_course(REPO)


def _result(name: str, course: LoadedCourse, earned: dict[str, float]) -> SubmissionResult:
    exercises = []
    for exercise in course.course.exercises:
        maximum = sum(c.points for c in exercise.checks)
        points = earned.get(exercise.id, 0.0)
        check = CheckResult(exercise.id, "all", False, points, maximum, "passed" if points == maximum else "failed", "")
        exercises.append(ExerciseResult(exercise.id, "graded", points, maximum, (check,)))
    return SubmissionResult(submission=name, path="/nowhere", exercises=tuple(exercises))


def _graded(tmp_path: Path, course: LoadedCourse, names: dict[str, dict[str, float]]) -> Path:
    out = tmp_path / "out"
    (out / "submissions").mkdir(parents=True)
    for name, earned in names.items():
        write_submission_json(out / "submissions", _result(name, course, earned))
    return out


def _roster(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


ROSTER = (
    "submission,name,id,sis_user_id,sis_login_id,section,email,username,idnumber\n"
    'ada,"Lovelace, Ada",101,S-1,ada,Section 1,ada@example.org,ada,1001\n'
    'Zoë Müller,"Müller, Zoë",102,S-2,zoe,Section 2,zoe@example.org,zoe,1002\n'
    'absent,"Nobody, Some",103,S-3,some,Section 1,some@example.org,some,1003\n'
)


def test_canvas_export_has_the_student_columns_a_points_possible_row_and_a_number_per_student(tmp_path: Path, course: LoadedCourse) -> None:
    first = course.course.exercises[0]
    out = _graded(tmp_path, course, {"ada": {first.id: 2.0}, "Zoë Müller": {}})
    target, count = commands.export(course, out, "canvas", roster=_roster(tmp_path, ROSTER), assignment="Autograd (4321)")
    rows = csv_rows(target)
    assert count == 2 and target == out / "export-canvas.csv"
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Autograd (4321)"]
    assert rows[1][0].strip() == "Points Possible"
    course_total = sum(c.points for e in course.course.exercises for c in e.checks)
    assert float(rows[1][5]) == course_total
    assert rows[2] == ["Lovelace, Ada", "101", "S-1", "ada", "Section 1", "2"]
    assert rows[3] == ["Müller, Zoë", "102", "S-2", "zoe", "Section 2", "0"]
    for row in rows[2:]:
        assert any(row[1:4]), "Canvas finds the student by ID, SIS User ID or SIS Login ID"
        assert 0 <= float(row[5]) <= course_total


def test_canvas_export_per_exercise_has_one_assignment_column_each_with_its_maximum(tmp_path: Path, course: LoadedCourse) -> None:
    out = _graded(tmp_path, course, {"ada": {}})
    target, _ = commands.export(course, out, "canvas", columns="exercises")
    rows = csv_rows(target)
    exercises = course.course.exercises
    assert rows[0][5:] == [f"{course.course.title}: {e.title}" for e in exercises]
    assert [float(p) for p in rows[1][5:]] == [sum(c.points for c in e.checks) for e in exercises]
    assert rows[2][:5] == ["ada", "", "", "ada", ""], "without a roster the submission name is the login"


def test_moodle_export_has_a_mappable_identifier_column_and_plain_numbers(tmp_path: Path, course: LoadedCourse) -> None:
    first = course.course.exercises[0]
    out = _graded(tmp_path, course, {"ada": {first.id: 1.5}, "Zoë Müller": {}})
    target, _ = commands.export(course, out, "moodle", roster=_roster(tmp_path, ROSTER), columns="exercises")
    rows = csv_rows(target)
    moodle_user_fields = {"Email address", "Username", "ID number"}
    identifiers = [i for i, header in enumerate(rows[0]) if header in moodle_user_fields]
    assert identifiers == [0, 1, 2] and len(rows[0]) == 3 + len(course.course.exercises)
    assert rows[1][:4] == ["ada@example.org", "ada", "1001", "1.5"]
    emails = [row[0] for row in rows[1:]]
    assert len(set(emails)) == len(emails) == 2
    for row in rows[1:]:
        for cell in row[3:]:
            float(cell)  # Moodle reads a grade as a number with a decimal point


def test_names_missing_from_the_roster_are_all_listed_with_the_roster_file(tmp_path: Path, course: LoadedCourse) -> None:
    out = _graded(tmp_path, course, {"ada": {}, "mallory": {}, "eve": {}})
    roster = _roster(tmp_path, ROSTER)
    with pytest.raises(UsageError) as raised:
        commands.export(course, out, "canvas", roster=roster)
    message = str(raised.value)
    assert "2 submission name(s)" in message and "'eve'" in message and "'mallory'" in message and str(roster) in message
    assert not (out / "export-canvas.csv").exists()


def test_a_roster_without_a_submission_column_is_refused_with_what_it_has(tmp_path: Path, course: LoadedCourse) -> None:
    out = _graded(tmp_path, course, {"ada": {}})
    with pytest.raises(UsageError, match=r"no `submission` column \(found: student, email"):
        commands.export(course, out, "moodle", roster=_roster(tmp_path, "student,email\nada,a@x\n"))


def test_formula_like_names_are_written_as_text(tmp_path: Path, course: LoadedCourse) -> None:
    out = _graded(tmp_path, course, {'=HYPERLINK("http://x")': {}, "+1": {}})
    for fmt in ("canvas", "csv"):
        target, _ = commands.export(course, out, fmt)  # type: ignore[arg-type]
        cells = [cell for row in csv_rows(target) for cell in row]
        assert '\'=HYPERLINK("http://x")' in cells and "'+1" in cells
        assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


def test_grade_export_command_writes_the_file_and_a_bad_roster_exits_2(tmp_path: Path, course: LoadedCourse) -> None:
    out = _graded(tmp_path, course, {"ada": {}, "stranger": {}})
    done = run_grade("export", out, "--format", "csv", timeout=120)
    assert done.returncode == 0, done.stderr
    assert csv_rows(out / "export-csv.csv")[0] == ["submission", "name", "sis_login_id", "username", course.course.title]
    bad = run_grade("export", out, "--format", "moodle", "--roster", _roster(tmp_path, ROSTER), timeout=120)
    assert bad.returncode == 2 and "'stranger'" in bad.stderr
