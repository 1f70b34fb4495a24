"""``grade release OUT``: the student bundle holds nothing hidden, and ``grade check`` works inside it.

One release is written per module; the follow-up commands (check with the solutions,
check with the stubs, a second release without --force) run together.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from grade_command import Outcome, finish, start_grade
from statements import computes_with, prose_of, prose_statements, source_statements

from grader.course.load import load_course
from grader.engine import EXPECTED_FILE
from grader.plan import build_plan

REPO = Path(__file__).resolve().parents[1]
COURSE: dict[str, Any] = yaml.safe_load((REPO / "course.yaml").read_text(encoding="utf-8"))
EXERCISES = [e["id"] for e in COURSE["exercises"]]
HIDDEN_CHECKS = [c for e in COURSE["exercises"] for c in e["checks"] if not c.get("visible")]
VISIBLE_CHECKS = {(e["id"], c["name"]) for e in COURSE["exercises"] for c in e["checks"] if c.get("visible")}
MUTANTS = [(e["id"], m["name"]) for e in COURSE["exercises"] for m in e.get("mutants", [])]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass(frozen=True)
class Release:
    out: Path
    made: Outcome
    solved: Outcome
    stubs: Outcome
    again: Outcome
    before_again: dict[str, bytes]
    unpacked: Path
    """The grader's wheel from ``out/wheels/``, unpacked, so every test that reads released files reads its files too."""


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    root = tmp_path_factory.mktemp("release")
    out = root / "out"
    made = finish(start_grade("--course", str(REPO), "release", str(out)))
    assert made.returncode == 0, made.stderr
    before = _snapshot(out)
    solved = root / "solved"
    shutil.copytree(out, solved)
    for exercise in EXERCISES:
        shutil.copyfile(REPO / "solutions" / f"{exercise}.py", solved / "exercises" / f"{exercise}.py")
    processes = {
        "solved": start_grade("--course", str(solved), "check", cwd=solved),
        "stubs": start_grade("--course", str(out), "check", cwd=out),
        "again": start_grade("--course", str(REPO), "release", str(out)),
    }
    finished = {key: finish(p) for key, p in processes.items()}
    unpacked = root / "unpacked-wheel"
    for wheel in (root / "solved" / "wheels").glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(unpacked)
    return Release(out, made, finished["solved"], finished["stubs"], finished["again"], before, unpacked)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _without_frames(value: object) -> object:
    """A JSON value minus the traceback ``frames`` of recorded errors (their leak is tested on its own, below)."""
    if isinstance(value, dict):
        return {key: _without_frames(item) for key, item in value.items() if key != "frames"}
    if isinstance(value, list):
        return [_without_frames(item) for item in value]
    return value


def _fragments(path: Path) -> set[str]:
    """Every line of a released file, and of every string inside it when it is JSON or YAML, stripped.

    JSON is read as data only (without error frames): its raw text is one line of escaped strings.
    """
    text = path.read_text(encoding="utf-8")
    pieces = [text] if path.suffix != ".json" else []
    if path.suffix == ".json":
        pieces += list(_strings(_without_frames(json.loads(text))))
    elif path.suffix in (".yaml", ".yml"):
        pieces += list(_strings(yaml.safe_load(text)))
    return {line.strip() for piece in pieces for line in piece.splitlines() if line.strip()}


def _lines(path: Path) -> set[str]:
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 3}


def _files(release: Release) -> list[Path]:
    """The released course material: everything but the grader's wheel (tested on its own, below)."""
    return [p for p in sorted(release.out.rglob("*")) if p.is_file() and p.suffix != ".whl"]


def _wheel_files(release: Release) -> list[Path]:
    return [p for p in sorted(release.unpacked.rglob("*")) if p.is_file()]


def _whole_word(name: str, text: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None


STUB_LINES = set().union(*(_lines(REPO / "exercises" / f"{e}.py") for e in EXERCISES))
SOLUTION_LINES = set().union(*(_lines(REPO / "solutions" / f"{e}.py") for e in EXERCISES))


def test_release_exits_0_and_writes_the_stubs(release: Release) -> None:
    assert release.made.returncode == 0
    for exercise in EXERCISES:
        released = release.out / "exercises" / f"{exercise}.py"
        assert released.read_bytes() == (REPO / "exercises" / f"{exercise}.py").read_bytes()
    assert (release.out / "course.yaml").is_file()
    assert (release.out / EXPECTED_FILE).is_file()
    assert not (release.out / "solutions").exists()
    assert not (release.out / "mutants").exists()
    assert (release.unpacked / "grader" / "cli.py").is_file(), "the grader's wheel is in wheels/"


def test_no_released_file_contains_a_line_of_a_solution(release: Release) -> None:
    leaks = []
    for exercise in EXERCISES:
        solution_only = _lines(REPO / "solutions" / f"{exercise}.py") - STUB_LINES
        assert solution_only, f"{exercise}: the solution has no line of its own?"
        for path in _files(release):
            leaks += [f"{path.relative_to(release.out)}: {line}" for line in sorted(solution_only & _fragments(path))]
    assert leaks == []


def _released_texts(release: Release) -> Iterator[tuple[Path, str]]:
    """What a student can read in the release, as text: prose of the stubs (strings, comments), every YAML/JSON string."""
    for path in _files(release):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            yield from ((path, piece) for piece in prose_of(text))
        elif path.suffix == ".json":
            yield from ((path, piece) for piece in _strings(json.loads(text)))
        elif path.suffix in (".yaml", ".yml"):
            yield from ((path, piece) for piece in _strings(yaml.safe_load(text)))
        else:
            yield path, text


def _solution_only_statements() -> dict[str, str]:
    """Normalised statement -> its exercise, for every solution statement the stub skeleton and the whitelist do not hold."""
    course = load_course(REPO).course
    own: dict[str, str] = {}
    for exercise in course.exercises:
        skeleton = source_statements((REPO / "exercises" / f"{exercise.id}.py").read_text(encoding="utf-8"))
        allowed = {entry.statement for entry in exercise.release_whitelist}
        solution = source_statements((REPO / "solutions" / f"{exercise.id}.py").read_text(encoding="utf-8"))
        own.update({statement: exercise.id for statement in sorted(solution - skeleton - allowed)})
    return own


def test_no_statement_of_a_solution_appears_in_the_release(release: Release) -> None:
    """Stubs, released course.yaml and expected values teach the maths and the API, never a solution's statement."""
    own = _solution_only_statements()
    assert len(own) >= 3 * len(EXERCISES), "the solutions should hold statements of their own"
    leaks = [
        f"{path.relative_to(release.out)}: {statement!r} (a statement of solutions/{own[statement]}.py)"
        for path, text in _released_texts(release)
        for statement in sorted(prose_statements([text]) & own.keys())
    ]
    assert leaks == [], "\n".join(leaks)


def test_no_released_text_builds_a_gradient_from_grad_output(release: Release) -> None:
    """The central lesson (multiply by the upstream gradient) is taught as the chain rule, never written out as code."""
    built = sorted(
        {
            f"{path.relative_to(release.out)}: {statement!r}"
            for path, text in _released_texts(release)
            for statement in prose_statements([text])
            if computes_with(statement, "grad_output")
        }
    )
    assert built == [], "\n".join(built)


def test_a_statement_computing_with_grad_output_is_told_from_a_signature() -> None:
    assert computes_with("return grad_output * 2 * i", "grad_output")
    assert computes_with("g = grad_output.sum(0)", "grad_output")
    assert computes_with("return -grad_output", "grad_output")
    assert not computes_with("backward(ctx, grad_output)", "grad_output")
    assert not computes_with("grad_output[0]", "grad_output")


def test_statements_are_found_in_prose_whatever_the_spacing() -> None:
    found = prose_statements(["then return grad_output*2 * i for every element; `ctx.save_for_backward( i )`."])
    assert {"return grad_output * 2 * i", "ctx.save_for_backward(i)"} <= found
    assert prose_statements(["P3'(x) = 1.5(5x² - 1), and dL/dx = dL/dy · dy/dx"]) & {"return grad_output * 2 * i"} == set()


def test_no_hidden_check_appears_in_the_release(release: Release) -> None:
    hidden_names = {c["name"] for c in HIDDEN_CHECKS} - {name for _, name in VISIBLE_CHECKS}
    hidden_descriptions = {c["description"] for c in HIDDEN_CHECKS if c.get("description")}
    specs = [spec for c in HIDDEN_CHECKS for spec in [*c.get("cases", []), c.get("random") or {}]]
    hidden_describes = {spec["describe"] for spec in specs if spec.get("describe")}
    assert hidden_names and hidden_descriptions and hidden_describes
    for path in _files(release):
        text = path.read_text(encoding="utf-8")
        assert [n for n in sorted(hidden_names) if _whole_word(n, text)] == [], path
        assert [d for d in sorted(hidden_descriptions | hidden_describes) if d in text] == [], path


def test_the_course_seed_appears_nowhere(release: Release) -> None:
    seed = str(COURSE["seed"]).encode()
    assert len(seed) >= 4
    assert [str(p) for p in _files(release) + _wheel_files(release) if seed in p.read_bytes()] == []


def test_the_wheel_holds_the_grader_package_and_nothing_of_the_course(release: Release) -> None:
    """The grader's code is public (the package on the index); what must not ride along is the course or its README."""
    package = {str(p.relative_to(REPO)) for p in (REPO / "grader").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    inside = {str(p.relative_to(release.unpacked)) for p in _wheel_files(release)}
    assert {name for name in inside if not name.startswith("autograd_grader-")} <= package
    assert "grader/cli.py" in inside and "grader/report/templates/dashboard.html.j2" in inside
    (metadata,) = release.unpacked.glob("autograd_grader-*.dist-info/METADATA")
    assert "grade check" in metadata.read_text(encoding="utf-8")
    assert not [c["name"] for c in HIDDEN_CHECKS if _whole_word(c["name"], metadata.read_text(encoding="utf-8"))]


def test_no_mutant_name_file_or_source_appears(release: Release) -> None:
    mutant_only = set()
    for exercise, name in MUTANTS:
        mutant_only |= _lines(REPO / "mutants" / exercise / f"{name}.py") - STUB_LINES - SOLUTION_LINES
    assert mutant_only
    for path in _files(release):
        text = path.read_text(encoding="utf-8")
        assert "mutants/" not in text, path
        for _, name in MUTANTS:
            assert not _whole_word(name, text), f"{path}: mutant name {name}"
            assert f"{name}.py" not in text, path
        assert sorted(mutant_only & _fragments(path)) == [], path
    assert [str(p) for p in release.out.rglob("*") if p.stem in {n for _, n in MUTANTS}] == []


def test_released_course_yaml_has_only_visible_checks_and_released_true(release: Release) -> None:
    data = yaml.safe_load((release.out / "course.yaml").read_text(encoding="utf-8"))
    assert data["released"] is True
    assert [e["id"] for e in data["exercises"]] == EXERCISES
    checks = {(e["id"], c["name"]) for e in data["exercises"] for c in e["checks"]}
    assert checks == VISIBLE_CHECKS
    for exercise in data["exercises"]:
        assert "mutants" not in exercise
        for check in exercise["checks"]:
            assert check["visible"] is True
            assert "random" not in check
    assert data.get("seed") != COURSE["seed"]


def test_expected_file_holds_visible_probes_only(release: Release) -> None:
    expected = json.loads((release.out / EXPECTED_FILE).read_text(encoding="utf-8"))
    loaded = load_course(REPO)
    visible = build_plan(loaded.course, None, visible_only=True)
    full = build_plan(loaded.course, loaded.course.seed)
    for plan in full.exercises:
        visible_ids = {case.probe_id for check in visible.exercise(plan.id).checks for case in check.cases}
        plot = visible.exercise(plan.id).plot
        visible_ids |= {plot.probe_id} if plot is not None else set()  # the feedback plot's grid comes from visible cases only
        hidden_ids = {case.probe_id for check in plan.checks if not check.check.visible for case in check.cases}
        assert set(expected["references"][plan.id]) == visible_ids
        for mutant in expected["mutants"].get(plan.id, []):
            assert re.fullmatch(r"known_mistake_\d+", mutant["name"]), mutant["name"]
            assert set(mutant["observations"]) <= visible_ids
            assert not set(mutant["observations"]) & hidden_ids


def test_check_inside_the_release_passes_with_the_solutions(release: Release) -> None:
    assert release.solved.returncode == 0, release.solved.stdout + release.solved.stderr
    assert "Traceback" not in release.solved.stderr


def test_check_inside_the_release_fails_on_the_stubs(release: Release) -> None:
    assert release.stubs.returncode == 1, release.stubs.stdout + release.stubs.stderr
    assert "not started" in release.stubs.stdout
    assert "Traceback" not in release.stubs.stderr


def test_release_into_a_non_empty_folder_without_force_exits_2(release: Release) -> None:
    assert release.again.returncode == 2, release.again.stdout + release.again.stderr
    assert "--force" in release.again.stderr
    assert "Traceback" not in release.again.stderr
    assert _snapshot(release.out) == release.before_again, "the refused release changed the folder"


def _frames(value: object) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "frames" and isinstance(item, list):
                yield from item
            else:
                yield from _frames(item)
    elif isinstance(value, list):
        for item in value:
            yield from _frames(item)


def test_released_mutant_observations_carry_no_source_frames(release: Release) -> None:
    expected = json.loads((release.out / EXPECTED_FILE).read_text(encoding="utf-8"))
    leaked = [frame for frame in _frames(expected["mutants"]) if frame.get("code")]
    assert leaked == []
