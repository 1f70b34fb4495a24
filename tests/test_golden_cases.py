"""Golden cases: hand-written student files whose grade and hint are known in advance.

Each ``tests/cases/<exercise>/<scenario>.py`` starts with a header comment block::

    # expect: points=<n> hint=<substring or ->
    # xfail: <reason>          (optional: a known engine bug; the test must then fail)

``hint`` is matched case-insensitively against the hints of the scenario's failed checks;
``-`` means that no failed check may carry a hint (nothing the student did matches a
declared mistake, so the grader must not invent one).

All scenarios are graded in ONE run: one submission folder per scenario, holding only
that exercise's file, graded by :func:`grader.class_run.run_class` like ``grade run``.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.class_run import run_class
from grader.course.load import load_course
from grader.engine import GradeOptions
from grader.results import ExerciseResult, SubmissionResult

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "cases"
EXPECT = re.compile(r"^#\s*expect:\s*points=(?P<points>[0-9.]+)\s+hint=(?P<hint>.+?)\s*$")
XFAIL = re.compile(r"^#\s*xfail:\s*(?P<reason>.+?)\s*$")


@dataclass(frozen=True)
class Scenario:
    exercise: str
    name: str
    path: Path
    points: float
    hint: str | None
    xfail: str | None

    @property
    def submission(self) -> str:
        return f"{self.exercise}__{self.name}"


def _parse(path: Path) -> Scenario:
    header = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    expect = next((m for m in map(EXPECT.match, header) if m), None)
    if expect is None:
        raise ValueError(f"{path}: the first comment block needs `# expect: points=<n> hint=<substring or ->`")
    xfail = next((m.group("reason") for m in map(XFAIL.match, header) if m), None)
    hint = expect.group("hint")
    return Scenario(
        exercise=path.parent.name,
        name=path.stem,
        path=path,
        points=float(expect.group("points")),
        hint=None if hint == "-" else hint,
        xfail=xfail,
    )


SCENARIOS = [_parse(path) for path in sorted(CASES.glob("*/*.py"))]


def _param(scenario: Scenario) -> object:
    marks = [pytest.mark.xfail(reason=scenario.xfail, strict=True)] if scenario.xfail else []
    return pytest.param(scenario, id=f"{scenario.exercise}/{scenario.name}", marks=marks)


def test_every_exercise_has_a_correct_and_two_wrong_scenarios() -> None:
    ids = [e.id for e in load_course(REPO).course.exercises]
    assert sorted({s.exercise for s in SCENARIOS}) == sorted(ids), "a folder under tests/cases is not an exercise id, or one is missing"
    maxima = {e.id: sum(c.points for c in e.checks) for e in load_course(REPO).course.exercises}
    for exercise in ids:
        mine = [s for s in SCENARIOS if s.exercise == exercise]
        correct = [s for s in mine if s.points == maxima[exercise]]
        wrong = [s for s in mine if s.points < maxima[exercise]]
        assert correct, f"{exercise}: no scenario expects full marks ({maxima[exercise]:g})"
        assert len(wrong) >= 2, f"{exercise}: fewer than two wrong scenarios"
        assert all(s.hint is None for s in correct), f"{exercise}: a full-marks scenario cannot expect a hint"


def test_correct_scenarios_are_not_copies_of_the_solutions() -> None:
    for scenario in SCENARIOS:
        solution = (REPO / "solutions" / f"{scenario.exercise}.py").read_text(encoding="utf-8")
        assert scenario.path.read_text(encoding="utf-8") != solution


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SubmissionResult]:
    """Every scenario graded in one run; submission name -> result."""
    root = tmp_path_factory.mktemp("golden")
    submissions = root / "submissions"
    for scenario in SCENARIOS:
        folder = submissions / scenario.submission
        folder.mkdir(parents=True)
        shutil.copyfile(scenario.path, folder / f"{scenario.exercise}.py")
    outcome = run_class(load_course(REPO), [submissions], root / "out", GradeOptions(parallel=2))
    results = {r.submission: r for r in outcome.run.results}
    assert sorted(results) == sorted(s.submission for s in SCENARIOS)
    return results


def _describe(result: ExerciseResult) -> str:
    lines = [f"{result.exercise}: {result.status} {result.points:g}/{result.max_points:g} {result.message}"]
    for check in result.checks:
        lines.append(f"  {check.name}: {check.status} {check.points:g}/{check.max_points:g} {check.message} | hint={check.hint!r}")
    return "\n".join(lines)


@pytest.mark.parametrize("scenario", [_param(s) for s in SCENARIOS])
def test_golden_scenario_gets_its_expected_points_and_hint(scenario: Scenario, graded: dict[str, SubmissionResult]) -> None:
    result = graded[scenario.submission]
    exercise = result.exercise(scenario.exercise)
    detail = _describe(exercise)
    assert exercise.status in ("graded", "not_started", "rejected"), detail
    if exercise.status == "rejected":
        assert scenario.points == 0, f"a rejected file scores 0; the header expects {scenario.points:g}"
    assert exercise.points == pytest.approx(scenario.points), detail
    hints = [c.hint for c in exercise.checks if not c.passed and c.hint]
    if scenario.hint is None:
        assert hints == [], detail
    else:
        assert any(scenario.hint.lower() in hint.lower() for hint in hints), detail
    others = [e for e in result.exercises if e.exercise != scenario.exercise]
    assert all(e.status == "missing" and e.points == 0 for e in others), "the other exercises were not handed in"
