"""A class run's output folder has one owner (:mod:`grader.class_run`): where it writes, what it clears, what it refuses.

One small class (a solved ``square``) is graded once for the module, everything under the
module's own tmp folder; the refusals are checked before anything is graded.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.class_run import ClassRun, RunFolder, run_class
from grader.course.load import load_course
from grader.engine import GradeOptions
from grader.errors import UsageError
from grader.sandbox import client
from grader.submissions import Submission

REPO = Path(__file__).resolve().parents[1]
LEFTOVER = ".ada.json.k1ll3d.tmp"
"""What :func:`grader.atomic_files.write_text_atomic` leaves when a kill stops it between writing and renaming."""


@dataclass(frozen=True)
class Graded:
    run: ClassRun
    root: Path
    class_before: dict[str, tuple[int, int]]
    class_after: dict[str, tuple[int, int]]
    fork_servers_started: int


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time: any write shows."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    root = tmp_path_factory.mktemp("class-run")
    ada = root / "class" / "ada"
    ada.mkdir(parents=True)
    shutil.copyfile(REPO / "solutions" / "square.py", ada / "square.py")
    records = root / "out" / "submissions"
    records.mkdir(parents=True)
    (records / LEFTOVER).write_text('{"submission": "ad', encoding="utf-8")
    before = _listing(root / "class")
    started = 0
    enter = client.ForkServer.__enter__

    def counting(server: client.ForkServer) -> client.ForkServer:
        nonlocal started
        started += 1
        return enter(server)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(client.ForkServer, "__enter__", counting)
        run = run_class(load_course(REPO), [root / "class"], root / "out", GradeOptions(exercises=("square",)))
    return Graded(run, root, before, _listing(root / "class"), started)


def test_a_run_writes_inside_its_output_folder_only_and_leaves_the_class_untouched(graded: Graded) -> None:
    assert sorted(p.name for p in graded.root.iterdir()) == ["class", "out"]
    assert graded.class_after == graded.class_before
    assert graded.run.gradebook.parent == graded.root / "out"
    assert all(path.parent == graded.root / "out" / "submissions" for path in graded.run.records.values())


def test_a_temporary_file_left_by_a_killed_store_is_cleared_and_never_read_as_a_record(graded: Graded) -> None:
    records = graded.root / "out" / "submissions"
    assert not list(records.glob(".*.tmp"))
    assert sorted(p.name for p in records.glob("*.json")) == ["ada.json"]
    assert [r.submission for r in graded.run.run.results] == ["ada"]


def test_the_solutions_and_the_class_are_graded_through_one_fork_server(graded: Graded) -> None:
    assert graded.run.graded == 1
    assert graded.run.run.results[0].points == graded.run.run.results[0].max_points > 0
    assert graded.fork_servers_started == 1


def test_two_names_sharing_a_record_file_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    twins = [Submission(name=name, path=tmp_path / "class" / "x", sources={}) for name in ("ada/b", "ada_b")]
    with pytest.raises(UsageError, match=r"'ada_b'\.json"):
        run_class(load_course(REPO), [], tmp_path / "out", GradeOptions(), submissions=twins)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("stored", ["", "[1, 2]", '{"fingerprint": ""}', '{"fingerprint": 7}', '{"submission": "ad'])
def test_a_record_without_a_readable_fingerprint_is_not_trusted_to_skip_grading(tmp_path: Path, stored: str) -> None:
    folder = RunFolder(tmp_path)
    folder.prepare()
    folder.record_of("ada").write_text(stored, encoding="utf-8")
    assert folder.stored_fingerprint("ada") is None
    assert folder.previous_record("ada") is None


def test_a_submission_name_cannot_place_its_record_outside_the_records_folder(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    for name in ("../../etc/passwd", "..", "/abs", ".hidden"):
        path = folder.record_of(name)
        assert path.parent == tmp_path / "submissions" and not path.name.startswith(".")
