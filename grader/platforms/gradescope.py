"""Gradescope: the autograder bundle (``grade gradescope build OUT.zip``) and what runs inside it.

The bundle holds ``setup.sh`` (installs this package with the pinned torch from the CPU wheel
index), ``run_autograder`` (grades ``/autograder/submission`` into
``/autograder/results/results.json``), the grader's source and the course: ``course.yaml`` with
its hidden checks and seed, solutions, mutants, stubs (the loader checks them) and the
instructor checks, but not the sample class, tests or other files students never need.
Every path ``run_autograder`` uses can be moved by environment variables so that a test runs the
real script against a temporary root:

=========================  =====================================  ==========================
variable                   meaning                                default
=========================  =====================================  ==========================
``GRADESCOPE_ROOT``        Gradescope's root folder               ``/autograder``
``GRADESCOPE_SOURCE``      the unpacked bundle                    ``$GRADESCOPE_ROOT/source``
``GRADESCOPE_SUBMISSION``  the student's files                    ``$GRADESCOPE_ROOT/submission``
``GRADESCOPE_RESULTS``     where results.json goes                ``$GRADESCOPE_ROOT/results/results.json``
``GRADESCOPE_PYTHON``      the interpreter with the grader        the venv setup.sh made, else ``python3``
=========================  =====================================  ==========================
"""

from __future__ import annotations

import os
import shutil
import stat
import time
import traceback
import zipfile
from pathlib import Path

import grader
from grader.course.load import LoadedCourse, load_course
from grader.engine import GradeOptions, grade
from grader.errors import CourseError, ExitCode, GraderError, UsageError
from grader.report.gradescope import failure_results, gradescope_results, write_results
from grader.report.records_json import safe_file_stem
from grader.results import SubmissionResult
from grader.submissions import Submission, load_submission

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image (Ubuntu, as root).
set -euo pipefail
cd "$(dirname "$0")"
if ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update && apt-get install -y python3 python3-venv python3-pip
fi
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --upgrade pip
# torch comes from the CPU wheel index, pinned by constraints.txt like everywhere else in the project
/autograder/venv/bin/python -m pip install -c constraints.txt --extra-index-url https://download.pytorch.org/whl/cpu . nbformat
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. Paths can be moved by environment (see grader/platforms/gradescope.py).
set -uo pipefail
ROOT="${GRADESCOPE_ROOT:-/autograder}"
SOURCE="${GRADESCOPE_SOURCE:-$ROOT/source}"
SUBMISSION="${GRADESCOPE_SUBMISSION:-$ROOT/submission}"
RESULTS="${GRADESCOPE_RESULTS:-$ROOT/results/results.json}"
if [ -z "${GRADESCOPE_PYTHON:-}" ]; then
    if [ -x /autograder/venv/bin/python ]; then GRADESCOPE_PYTHON=/autograder/venv/bin/python; else GRADESCOPE_PYTHON=python3; fi
fi
mkdir -p "$(dirname "$RESULTS")"
rm -f "$RESULTS"
export PYTHONPATH="$SOURCE${PYTHONPATH:+:$PYTHONPATH}"
"$GRADESCOPE_PYTHON" -m grader.cli --course "$SOURCE/course" gradescope grade "$SUBMISSION" --results "$RESULTS"
status=$?
if [ ! -s "$RESULTS" ]; then
    # the grader could not even write its own failure record (it did not start, or it was killed)
    cat > "$RESULTS" <<JSON
{"score": 0.0,
 "output": "The autograder failed, not your code: your submission could not be graded (exit code $status). Please tell your instructor.",
 "stdout_visibility": "hidden",
 "tests": [{"name": "The autograder failed", "score": 0.0, "max_score": 0.0, "status": "failed", "visibility": "visible",
            "output": "The grader exited with code $status before writing results; the instructor can read the autograder output."}]}
JSON
fi
exit 0
"""

BUNDLE_README = "# Gradescope autograder bundle\n\nWritten by `grade gradescope build`; see `run_autograder`.\n"
COURSE_FOLDERS = ("exercises", "solutions", "mutants")


def _project_root() -> Path:
    root = Path(grader.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise UsageError(f"{root}: no pyproject.toml next to the grader package; build the bundle from a source checkout")
    return root


def _add_file(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _add_tree(archive: zipfile.ZipFile, folder: Path, prefix: str) -> int:
    count = 0
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            _add_file(archive, f"{prefix}/{path.relative_to(folder).as_posix()}", path.read_bytes())
            count += 1
    return count


def build_bundle(loaded: LoadedCourse, out: Path) -> list[str]:
    """Write the autograder zip; returns the names in it (``setup.sh`` and ``run_autograder`` at the root, as Gradescope requires)."""
    if loaded.course.released:
        raise UsageError(f"{loaded.path}: a student release has no solutions or hidden checks; build from the instructor's course")
    if out.suffix != ".zip":
        raise UsageError(f"{out}: the bundle must be a .zip file (Gradescope takes the autograder as a zip)")
    project = _project_root()
    constraints = loaded.root / "constraints.txt"
    if not constraints.is_file():
        constraints = project / "constraints.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as archive:
        _add_file(archive, "setup.sh", SETUP_SH.encode(), executable=True)
        _add_file(archive, "run_autograder", RUN_AUTOGRADER.encode(), executable=True)
        _add_file(archive, "pyproject.toml", (project / "pyproject.toml").read_bytes())
        _add_file(archive, "README.md", BUNDLE_README.encode())
        _add_file(archive, "constraints.txt", constraints.read_bytes() if constraints.is_file() else b"")
        _add_tree(archive, project / "grader", "grader")
        _add_file(archive, "course/course.yaml", loaded.path.read_bytes())
        folders = [*COURSE_FOLDERS, *([loaded.course.checks_dir] if loaded.course.checks_dir else [])]
        for folder in folders:
            if (loaded.root / folder).is_dir():
                _add_tree(archive, loaded.root / folder, f"course/{folder}")
        return archive.namelist()


def read_submission(folder: Path, exercise_ids: list[str]) -> Submission:
    """Gradescope's upload: the exercise ``.py`` files (at the top, under ``exercises/`` or one folder down), or notebooks."""
    children = (p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith((".", "__")))
    candidates = [folder, *sorted(children)]
    for candidate in candidates:
        for modules in (candidate, candidate / "exercises"):
            # a link is looked at, not followed: load_submission refuses it with a message
            if any(os.path.lexists(modules / f"{e}.py") for e in exercise_ids):
                found = load_submission(modules, exercise_ids)
                return Submission(name="submission", path=found.path, sources=found.sources)
    if any(folder.rglob("*.ipynb")):
        from grader.platforms.nbgrader_read import read_submission as read_notebooks

        notebook_folder = next(p.parent for p in sorted(folder.rglob("*.ipynb")))
        return read_notebooks(notebook_folder, exercise_ids, name="submission")
    return Submission(name="submission", path=folder, sources={e: None for e in exercise_ids})


def grade_submission(loaded: LoadedCourse, submission_dir: Path, results: Path, jobs: int = 1) -> ExitCode:
    """Grade one upload into ``results``; any failure of the grader becomes a visible "autograder failed" entry. Returns an exit code."""
    started = time.monotonic()
    try:
        if not submission_dir.is_dir():
            raise UsageError(f"{submission_dir}: no submission folder")
        ids = loaded.exercise_ids
        submission = read_submission(submission_dir, ids)
        run = grade(loaded, [submission], GradeOptions(parallel=max(1, jobs)))
        write_results(results, gradescope_results(run.results[0], time.monotonic() - started))
        return ExitCode.OK
    except CourseError as error:
        write_results(results, failure_results("course error:\n" + "\n".join(error.problems)))
        return error.exit_code
    except GraderError as error:
        write_results(results, failure_results(str(error)))
        return error.exit_code
    except Exception:  # the grader's own bug: still a visible record, never a silent 0
        write_results(results, failure_results(traceback.format_exc()))
        return ExitCode.GRADER_FAILED


def grade_course_path(course: Path, submission_dir: Path, results: Path, jobs: int = 1) -> ExitCode:
    """Load the course, then grade; a course that does not load is "the autograder failed" too."""
    try:
        loaded = load_course(course)
    except CourseError as error:
        write_results(results, failure_results("course error:\n" + "\n".join(error.problems)))
        return error.exit_code
    except Exception:
        write_results(results, failure_results(traceback.format_exc()))
        return ExitCode.GRADER_FAILED
    return grade_submission(loaded, submission_dir, results, jobs=jobs)


def write_class_results(results: list[SubmissionResult], out: Path) -> list[Path]:
    """``grade run --format gradescope``: ``OUT/gradescope/<submission>/results.json`` for each submission."""
    written = []
    for result in results:
        folder = out / "gradescope" / safe_file_stem(result.submission)
        written.append(write_results(folder / "results.json", gradescope_results(result)))
    return written


def unpack(bundle: Path, target: Path) -> Path:
    """Unpack a bundle keeping the executable bits (what Gradescope does; used by the tests)."""
    if target.exists():
        shutil.rmtree(target)
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, target))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                path.chmod(mode)
    return target


__all__ = ["build_bundle", "grade_course_path", "grade_submission", "read_submission", "unpack", "write_class_results"]
