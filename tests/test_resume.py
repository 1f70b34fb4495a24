"""A long class run is resumable: unchanged submissions are kept, changed ones regraded, and a kill loses nothing.

The library-level tests call :func:`grader.class_run.run_class` (what ``grade run`` calls);
the kill test runs the real command in its own session and ends it with SIGKILL, by its
pid, then runs it again. Everything lives under the test's tmp folder.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from grade_command import REPO, grade_argv, gradebook, kill_when, record_paths, records_by_file, run

from grader.class_run import ClassRun, run_class
from grader.course.load import load_course
from grader.engine import GradeOptions

CLASS = REPO / "examples" / "class"
KILL_CLASS_SIZE = 12
KILL_AFTER_RECORDS = 2
RUN_TIMEOUT = 600


def _copy_class(target: Path, names: list[str]) -> Path:
    for name in names:
        shutil.copytree(CLASS / name, target / name)
    return target


def _mtimes(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (out / "submissions").glob("*.json")}


@dataclass
class Reruns:
    first: ClassRun
    first_gradebook: list[list[str]]
    first_mtimes: dict[str, int]
    unchanged: ClassRun
    unchanged_mtimes: dict[str, int]
    unchanged_gradebook: list[list[str]]
    edited: ClassRun
    edited_mtimes: dict[str, int]
    added: ClassRun
    forced: ClassRun
    forced_mtimes: dict[str, int]


@pytest.fixture(scope="module")
def reruns(tmp_path_factory: pytest.TempPathFactory) -> Reruns:
    """One class graded five times into the same folder: first, unchanged, one file edited, one student added, --force."""
    root = tmp_path_factory.mktemp("resume")
    class_dir = _copy_class(root / "class", ["ada_correct", "tutorial_copy", "empty_stubs"])
    out = root / "out"
    loaded = load_course(REPO)
    options = GradeOptions(parallel=2)
    first = run_class(loaded, [class_dir], out, options)
    first_gradebook, first_mtimes = gradebook(out), _mtimes(out)
    unchanged = run_class(loaded, [class_dir], out, options)
    unchanged_mtimes, unchanged_gradebook = _mtimes(out), gradebook(out)
    square = class_dir / "empty_stubs" / "square.py"
    square.write_text((CLASS / "ada_correct" / "square.py").read_text(encoding="utf-8"), encoding="utf-8")
    edited = run_class(loaded, [class_dir], out, options)
    edited_mtimes = _mtimes(out)
    _copy_class(class_dir, ["swapped_partials"])
    added = run_class(loaded, [class_dir], out, options)
    forced = run_class(loaded, [class_dir], out, options, force=True)
    return Reruns(
        first=first,
        first_gradebook=first_gradebook,
        first_mtimes=first_mtimes,
        unchanged=unchanged,
        unchanged_mtimes=unchanged_mtimes,
        unchanged_gradebook=unchanged_gradebook,
        edited=edited,
        edited_mtimes=edited_mtimes,
        added=added,
        forced=forced,
        forced_mtimes=_mtimes(out),
    )


def test_every_record_carries_the_fingerprint_of_what_was_graded(reruns: Reruns) -> None:
    assert reruns.first.graded == 3 and reruns.first.skipped == 0
    for path in reruns.first.records.values():
        record = json.loads(path.read_text(encoding="utf-8"))
        assert len(record["fingerprint"]) == 64


def test_a_rerun_of_an_unchanged_class_grades_nothing_and_touches_no_record(reruns: Reruns) -> None:
    assert reruns.unchanged.graded == 0 and reruns.unchanged.skipped == 3
    assert reruns.unchanged_mtimes == reruns.first_mtimes
    assert reruns.unchanged_gradebook == reruns.first_gradebook


def test_the_gradebook_of_a_rerun_is_rebuilt_from_the_stored_records(reruns: Reruns) -> None:
    totals = {row[0]: row[-1] for row in reruns.unchanged_gradebook[1:]}
    assert totals == {r.submission: f"{r.points:g}" for r in reruns.unchanged.run.results}
    assert sorted(totals) == ["ada_correct", "empty_stubs", "tutorial_copy"]


def test_only_the_submission_whose_file_changed_is_regraded(reruns: Reruns) -> None:
    assert reruns.edited.graded == 1 and reruns.edited.skipped == 2
    changed = {name for name, mtime in reruns.edited_mtimes.items() if reruns.unchanged_mtimes[name] != mtime}
    assert changed == {"empty_stubs.json"}
    square = next(r for r in reruns.edited.run.results if r.submission == "empty_stubs").exercise("square")
    assert square.points == square.max_points > 0


def test_a_new_submission_is_graded_and_the_others_kept(reruns: Reruns) -> None:
    assert reruns.added.graded == 1 and reruns.added.skipped == 3
    assert "swapped_partials" in {r.submission for r in reruns.added.run.results}


def test_force_regrades_every_submission_with_the_same_scores(reruns: Reruns) -> None:
    assert reruns.forced.graded == 4 and reruns.forced.skipped == 0
    assert all(reruns.forced_mtimes[name] != mtime for name, mtime in reruns.edited_mtimes.items())
    before = {r.submission: r.points for r in reruns.added.run.results}
    assert {r.submission: r.points for r in reruns.forced.run.results} == before


def test_a_changed_course_option_regrades_everything(tmp_path: Path) -> None:
    """The time limit is part of the fingerprint: results graded under another limit are not reused."""
    class_dir = _copy_class(tmp_path / "class", ["ada_correct"])
    loaded = load_course(REPO)
    run_class(loaded, [class_dir], tmp_path / "out", GradeOptions(parallel=2))
    again = run_class(loaded, [class_dir], tmp_path / "out", GradeOptions(parallel=2, time_limit=7))
    assert again.graded == 1 and again.skipped == 0


def test_a_damaged_record_is_regraded_not_trusted(tmp_path: Path) -> None:
    class_dir = _copy_class(tmp_path / "class", ["ada_correct"])
    loaded = load_course(REPO)
    first = run_class(loaded, [class_dir], tmp_path / "out", GradeOptions(parallel=2))
    first.records["ada_correct"].write_text('{"submission": "ada_co', encoding="utf-8")
    again = run_class(loaded, [class_dir], tmp_path / "out", GradeOptions(parallel=2))
    assert again.graded == 1
    assert json.loads(first.records["ada_correct"].read_text(encoding="utf-8"))["submission"] == "ada_correct"


def _grade_command(class_dir: Path, out: Path) -> list[str]:
    return grade_argv("run", class_dir, "--out", out, "--jobs", "1", "--chunk", "1")


@pytest.fixture(scope="module")
def killed_and_resumed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, object]], str, Path]:
    """``grade run`` killed with SIGKILL after its first records, then run again to the end."""
    root = tmp_path_factory.mktemp("kill")
    class_dir = root / "class"
    for i in range(KILL_CLASS_SIZE - 1):
        shutil.copytree(CLASS / "ada_correct", class_dir / f"student_{i:02d}")
    shutil.copytree(CLASS / "empty_stubs", class_dir / "empty_stubs")
    out = root / "out"
    env = {"PYTHONUNBUFFERED": "1"}
    kill_when(_grade_command(class_dir, out), lambda: len(record_paths(out)) >= KILL_AFTER_RECORDS, timeout=RUN_TIMEOUT, env=env)
    survivors = records_by_file(out)  # a half-written record would fail here
    finished = run(_grade_command(class_dir, out), env=env, timeout=RUN_TIMEOUT, expect=0)
    return survivors, finished.stdout, out


def test_a_kill_leaves_only_whole_records(killed_and_resumed: tuple[dict[str, dict[str, object]], str, Path]) -> None:
    survivors, _, _ = killed_and_resumed
    assert KILL_AFTER_RECORDS <= len(survivors) < KILL_CLASS_SIZE
    assert all(record["fingerprint"] for record in survivors.values())


def test_the_next_run_grades_only_what_the_killed_one_had_not_finished(
    killed_and_resumed: tuple[dict[str, dict[str, object]], str, Path],
) -> None:
    survivors, stdout, out = killed_and_resumed
    last = stdout.strip().splitlines()[-1]
    assert last.startswith(f"graded {KILL_CLASS_SIZE - len(survivors)} submission"), last  # "1 submission", "2 submissions"
    assert f"{len(survivors)} unchanged and kept" in last
    after = records_by_file(out)
    assert len(after) == KILL_CLASS_SIZE
    assert all(after[name] == record for name, record in survivors.items())
    assert not [p for p in (out / "submissions").iterdir() if not p.name.endswith(".json")]


def test_the_resumed_gradebook_has_every_student_with_the_right_total(
    killed_and_resumed: tuple[dict[str, dict[str, object]], str, Path],
) -> None:
    _, _, out = killed_and_resumed
    rows = gradebook(out)[1:]
    assert len(rows) == KILL_CLASS_SIZE
    totals = {row[0]: float(row[-1]) for row in rows}
    full = max(totals.values())
    assert full > 0 and totals["empty_stubs"] == 0
    assert all(total == full for name, total in totals.items() if name.startswith("student_"))
