"""Gradescope: the real ``run_autograder`` from a real bundle, against a temporary root.

The results are validated against a JSON Schema written from Gradescope's documented spec
(``tests/gradescope_results.schema.json``) and must equal ``grade run --format gradescope`` on
the same files. A grader failure must read "the autograder failed" in a visible test.
"""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from grade_command import BIN, REPO, run, run_grade

from grader.course.load import LoadedCourse, load_course
from grader.platforms.gradescope import unpack
from grader.report.gradescope import FAILURE_TEST_NAME, HIDDEN_VISIBILITY, failure_results

pytestmark = pytest.mark.slow

RUN_TIMEOUT = 1800
SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text(encoding="utf-8"))
STUDENT = REPO / "examples" / "class" / "tutorial_copy"


def _validate(document: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(document)


def _run_autograder(source: Path, root: Path, python: str = str(BIN / "python")) -> None:
    """The bundle's real ``run_autograder``, as Gradescope runs it, against the root ``root``."""
    env = {"GRADESCOPE_ROOT": str(root), "GRADESCOPE_PYTHON": python}
    run(["bash", source / "run_autograder"], cwd=REPO, env=env, timeout=RUN_TIMEOUT, expect=0)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    run_grade("gradescope", "build", out, cwd=REPO, timeout=RUN_TIMEOUT, expect=0)
    return out


def _autograder(bundle: Path, root: Path, submission: Path, python: str = str(BIN / "python")) -> dict[str, Any]:
    """Gradescope's layout under ``root``: the bundle in source/, the upload in submission/; run the real script."""
    source = unpack(bundle, root / "source")
    shutil.copytree(submission, root / "submission")
    _run_autograder(source, root, python)
    document: dict[str, Any] = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    return document


def test_the_bundle_has_the_scripts_at_its_root_and_nothing_students_never_need(bundle: Path) -> None:
    loaded = load_course(REPO)
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        modes = {info.filename: (info.external_attr >> 16) for info in archive.infolist()}
    assert {"setup.sh", "run_autograder", "constraints.txt", "pyproject.toml", "course/course.yaml"} <= names
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    for exercise in loaded.course.exercises:
        assert f"course/solutions/{exercise.id}.py" in names
    assert not [
        n for n in names if n.startswith(("examples/", "tests/", "course/examples/", "course/tests/", ".venv")) or "__pycache__" in n
    ]
    subprocess.run(["bash", "-n", "-c", zipfile.ZipFile(bundle).read("setup.sh").decode()], check=True)
    assert "-c constraints.txt" in zipfile.ZipFile(bundle).read("setup.sh").decode()


def test_run_autograder_writes_spec_results_equal_to_grade_run(bundle: Path, tmp_path: Path) -> None:
    loaded: LoadedCourse = load_course(REPO)
    document = _autograder(bundle, tmp_path / "autograder", STUDENT)
    _validate(document)
    out = tmp_path / "run"
    run_grade("run", STUDENT, "--out", out, "--format", "gradescope", "--quiet", cwd=REPO, timeout=RUN_TIMEOUT, expect=0)
    from_run = json.loads((out / "gradescope" / STUDENT.name / "results.json").read_text(encoding="utf-8"))
    _validate(from_run)
    document.pop("execution_time", None)
    assert document == from_run
    record = json.loads((out / "submissions" / f"{STUDENT.name}.json").read_text(encoding="utf-8"))
    assert document["score"] == record["points"] == sum(t["score"] for t in document["tests"])
    checks = {(e.id, c.name): c for e in loaded.course.exercises for c in e.checks}
    assert len(document["tests"]) == len(checks)
    for test in document["tests"]:
        exercise_id, name = test["name"].split(" / ")
        check = checks[(exercise_id, name)]
        assert test["max_score"] == check.points
        assert test["visibility"] == ("visible" if check.visible else HIDDEN_VISIBILITY)


def test_a_broken_course_reads_the_autograder_failed_not_a_silent_zero(bundle: Path, tmp_path: Path) -> None:
    root = tmp_path / "autograder"
    source = unpack(bundle, root / "source")
    (source / "course" / "course.yaml").write_text("course: [unclosed\n", encoding="utf-8")
    shutil.copytree(STUDENT, root / "submission")
    _run_autograder(source, root)
    document = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    _validate(document)
    failure = [t for t in document["tests"] if t["name"] == FAILURE_TEST_NAME]
    assert failure and failure[0]["visibility"] == "visible" and "course.yaml" in failure[0]["output"]


def test_a_grader_that_cannot_start_still_writes_a_visible_failure(bundle: Path, tmp_path: Path) -> None:
    document = _autograder(bundle, tmp_path / "autograder", STUDENT, python="/bin/false")
    _validate(document)
    assert [t["visibility"] for t in document["tests"] if t["name"] == FAILURE_TEST_NAME] == ["visible"]


def test_the_schema_rejects_what_gradescope_would_not_read() -> None:
    _validate(failure_results("boom"))
    with pytest.raises(jsonschema.ValidationError):
        _validate({"tests": [{"name": "x", "score": 1, "visibility": "after_publish"}]})
    with pytest.raises(jsonschema.ValidationError):
        _validate({"output": "no score anywhere", "tests": [{"name": "x"}]})
