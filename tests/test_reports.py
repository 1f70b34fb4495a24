"""Reporters: the gradebook, the stored JSON records and the terminal views show the records as they are."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from rich.console import Console

from grader.report.gradebook_csv import write_gradebook
from grader.report.records_json import read_submission_json, safe_file_stem, write_submission_json
from grader.report.terminal import render_check, render_class_summary, render_validation
from grader.results import CheckResult, CheckStatus, ExerciseResult, SubmissionResult, format_points

EXERCISES = ["relu", "softmax"]
TITLES = {"relu": "ReLU", "softmax": "Softmax"}
HINT = "You clamp at 1 instead of at 0; look at the lower bound."


def _check(
    exercise: str, name: str, points: float, max_points: float, status: CheckStatus = "passed", message: str = "", hint: str | None = None
) -> CheckResult:
    return CheckResult(
        exercise=exercise, name=name, visible=True, points=points, max_points=max_points, status=status, message=message, hint=hint
    )


def _zoe() -> SubmissionResult:
    """All relu checks pass (3 points); softmax is still the stub."""
    relu = ExerciseResult(
        exercise="relu",
        status="graded",
        points=3.0,
        max_points=3.0,
        checks=(_check("relu", "forward", 2.0, 2.0), _check("relu", "backward", 1.0, 1.0)),
        output="hello from relu\n",
    )
    softmax = ExerciseResult(
        exercise="softmax",
        status="not_started",
        points=0.0,
        max_points=2.0,
        checks=(_check("softmax", "sums to one", 0.0, 2.0, status="not_started", message="softmax still raises NotImplementedError"),),
    )
    return SubmissionResult(submission="Zoë Müller", path="/subs/Zoë Müller", exercises=(relu, softmax), seed=7, course="autograd-101")


def _bob() -> SubmissionResult:
    """A failed relu check with a hint (1.5 of 3 points) and a softmax that timed out."""
    relu = ExerciseResult(
        exercise="relu",
        status="graded",
        points=1.5,
        max_points=3.0,
        checks=(
            _check("relu", "forward", 1.5, 1.5),
            _check("relu", "negative inputs", 0.0, 1.5, status="failed", message="relu(-2.0) returned 1.0", hint=HINT),
        ),
    )
    softmax = ExerciseResult(
        exercise="softmax",
        status="timeout",
        points=0.0,
        max_points=2.0,
        checks=(),
        message="ran longer than 10 s",
        wall_seconds=10.2,
    )
    return SubmissionResult(submission="bob", path="/subs/bob", exercises=(relu, softmax), seed=7, warnings=("ignored notes.txt",))


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _console() -> Console:
    return Console(record=True, width=120, force_terminal=False, file=io.StringIO())


# ---------------------------------------------------------------- gradebook


def test_gradebook_has_the_header_and_one_exact_row_per_submission(tmp_path: Path) -> None:
    path = tmp_path / "grades.csv"
    write_gradebook(path, [_zoe(), _bob()], EXERCISES)
    assert _read_csv(path) == [
        ["submission", "relu", "softmax", "total"],
        ["Zoë Müller", "3", "0", "3"],
        ["bob", "1.5", "0", "1.5"],
    ]


def test_gradebook_keeps_non_ascii_submission_names(tmp_path: Path) -> None:
    path = tmp_path / "grades.csv"
    write_gradebook(path, [replace(_zoe(), submission='Zoë "Z" Müller, jr')], EXERCISES)
    assert _read_csv(path)[1][0] == 'Zoë "Z" Müller, jr'
    assert "Zoë".encode() in path.read_bytes()


def test_gradebook_follows_the_given_exercise_order(tmp_path: Path) -> None:
    path = tmp_path / "grades.csv"
    write_gradebook(path, [_bob()], ["softmax", "relu"])
    assert _read_csv(path) == [["submission", "softmax", "relu", "total"], ["bob", "0", "1.5", "1.5"]]


def test_gradebook_gives_zero_to_an_exercise_missing_from_a_result(tmp_path: Path) -> None:
    path = tmp_path / "grades.csv"
    write_gradebook(path, [_bob()], [*EXERCISES, "attention"])
    assert _read_csv(path)[1] == ["bob", "1.5", "0", "0", "1.5"]


@pytest.mark.parametrize(
    ("value", "text"), [(3.0, "3"), (2.5, "2.5"), (0.0, "0"), (-0.0, "0"), (0.1 + 0.2, "0.3"), (1 / 3, "0.333333"), (1e6, "1000000")]
)
def test_points_are_written_without_float_noise(value: float, text: str) -> None:
    assert format_points(value) == text


def test_gradebook_replaces_an_old_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "grades.csv"
    path.write_text("old contents\n", encoding="utf-8")
    write_gradebook(path, [_bob()], EXERCISES)
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]
    assert _read_csv(path)[1][0] == "bob"


def test_a_failed_gradebook_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(src: object, dst: object) -> None:
        raise OSError("disk full")

    path = tmp_path / "grades.csv"
    path.write_text("old contents\n", encoding="utf-8")
    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_gradebook(path, [_bob()], EXERCISES)
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]
    assert path.read_text(encoding="utf-8") == "old contents\n"


# ---------------------------------------------------------------- JSON records


@pytest.mark.parametrize("make", [_zoe, _bob])
def test_a_stored_record_reads_back_equal_to_the_original(tmp_path: Path, make: Callable[[], SubmissionResult]) -> None:
    original = make()
    path = write_submission_json(tmp_path, original)
    assert read_submission_json(path) == original
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_the_record_file_is_named_after_the_submission(tmp_path: Path) -> None:
    path = write_submission_json(tmp_path, _zoe())
    assert path == tmp_path / "Zoë Müller.json"
    assert "Zoë Müller" in path.read_text(encoding="utf-8")


def test_a_file_that_is_not_a_record_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "stray.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match=r"stray\.json"):
        read_submission_json(path)


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("Zoë Müller", "Zoë Müller"),
        ("jean-luc_o.k", "jean-luc_o.k"),
        ("a/b\\c:d*e", "a_b_c_d_e"),
        (".hidden", "_hidden"),
        ("..", "__"),
        ("", "submission"),
        ("name. ", "name"),
        ("Zoe\u0308", "Zoë"),
    ],
)
def test_safe_file_stem_keeps_readable_names_and_replaces_the_rest(name: str, stem: str) -> None:
    assert safe_file_stem(name) == stem


def test_safe_file_stem_cannot_escape_the_folder() -> None:
    stem = safe_file_stem("../etc/passwd")
    assert "/" not in stem
    assert not stem.startswith(".")
    assert stem.endswith("etc_passwd")


def test_safe_file_stem_stays_within_file_name_limits() -> None:
    assert len(safe_file_stem("ü" * 500).encode("utf-8")) <= 200


# ---------------------------------------------------------------- terminal: grade check


def test_check_view_shows_the_hint_of_a_failed_check() -> None:
    console = _console()
    render_check(_bob(), console, TITLES)
    text = console.export_text()
    assert f"Hint: {HINT}" in text
    assert "relu(-2.0) returned 1.0" in text
    assert "✗" in text
    assert "✓" in text


def test_check_view_says_not_started_in_plain_words() -> None:
    console = _console()
    render_check(_zoe(), console, TITLES)
    text = console.export_text()
    assert "not started" in text
    assert "not_started" not in text


def test_check_view_names_why_an_exercise_was_not_graded() -> None:
    console = _console()
    render_check(_bob(), console, TITLES)
    assert "Status: timeout - ran longer than 10 s" in console.export_text()


def test_check_view_shows_titles_points_and_the_total() -> None:
    console = _console()
    render_check(_bob(), console, TITLES)
    text = console.export_text()
    assert "relu — /subs/bob/relu.py  (ReLU)  1.5/3 points" in text
    assert "softmax — /subs/bob/softmax.py  (Softmax)  0/2 points" in text
    assert text.rstrip().endswith("Total: 1.5/5 points on the visible checks")


def test_check_view_counts_only_visible_checks() -> None:
    bob = _bob()
    hidden = _check("relu", "secret", 0.0, 4.0, status="failed", message="hidden case failed")
    relu = replace(bob.exercises[0], checks=(*bob.exercises[0].checks, replace(hidden, visible=False)))
    console = _console()
    render_check(replace(bob, exercises=(relu, bob.exercises[1])), console, TITLES)
    text = console.export_text()
    assert "secret" not in text
    assert "(ReLU)  1.5/3 points" in text


def test_check_view_shows_the_first_and_last_lines_the_student_printed_with_a_marker_between() -> None:
    zoe = _zoe()
    chatty = replace(zoe.exercises[0], output="".join(f"line {i}\n" for i in range(1, 31)))
    console = _console()
    render_check(replace(zoe, exercises=(chatty, zoe.exercises[1])), console, TITLES)
    shown = [line.strip() for line in console.export_text().splitlines()]
    start = shown.index("line 1")
    expected = [*(f"line {i}" for i in range(1, 11)), "… 10 lines omitted …", *(f"line {i}" for i in range(21, 31))]
    assert shown[start : start + 21] == expected


def test_check_view_uses_words_instead_of_symbols_on_a_non_utf8_console() -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    console = Console(record=True, width=120, force_terminal=False, file=stream)
    render_check(_bob(), console, TITLES)
    text = console.export_text()
    assert "PASS" in text
    assert "FAIL" in text
    assert "✓" not in text


def test_check_view_shows_student_markup_and_escape_codes_as_text() -> None:
    zoe = _zoe()
    noisy = replace(zoe.exercises[0], output="[red]not markup[/red]\x1b[2J\n")
    console = Console(record=True, width=120, force_terminal=True, file=io.StringIO())
    render_check(replace(zoe, exercises=(noisy, zoe.exercises[1])), console, TITLES)
    assert "[red]not markup[/red]?[2J" in console.export_text()


# ---------------------------------------------------------------- terminal: grade run


def test_class_summary_lists_each_submission_with_its_total_and_notes() -> None:
    console = _console()
    render_class_summary([_zoe(), _bob()], EXERCISES, console)
    text = console.export_text()
    zoe_row = next(line for line in text.splitlines() if "Zoë Müller" in line)
    bob_row = next(line for line in text.splitlines() if "bob" in line)
    assert "3/5" in zoe_row
    assert "softmax: not started" in zoe_row
    assert "1.5/5" in bob_row
    assert "softmax: timeout" in bob_row


def test_class_summary_footer_gives_count_mean_median_and_ungradable_exercises() -> None:
    console = _console()
    render_class_summary([_zoe(), _bob()], EXERCISES, console)
    footer = console.export_text().rstrip().splitlines()[-1]
    assert footer == "2 submissions, mean total 2.25, median total 2.25, 1 exercise could not be graded (1 timeout)."


def test_class_summary_of_no_submissions_says_so() -> None:
    console = _console()
    render_class_summary([], EXERCISES, console)
    assert "0 submissions." in console.export_text()


# ---------------------------------------------------------------- terminal: grade validate


@dataclass
class _Validation:
    lines: list[tuple[bool, str]]
    ok: bool


def test_validation_marks_each_line_and_ends_with_a_verdict() -> None:
    console = _console()
    render_validation(_Validation([(True, "solution passes every check"), (False, "mutant clamp_at_one survives")], ok=False), console)
    lines = console.export_text().rstrip().splitlines()
    assert lines == ["  OK solution passes every check", "FAIL mutant clamp_at_one survives", "NOT valid: 1 of 2 findings failed."]


def test_validation_of_a_sound_course_says_valid() -> None:
    console = _console()
    render_validation(_Validation([(True, "solution passes every check")], ok=True), console)
    assert console.export_text().rstrip().splitlines()[-1] == "Valid: 1 finding, all OK."
