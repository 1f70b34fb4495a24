"""``grade validate``: the course proves itself sound, and a broken course is caught and located.

The three invocations (the real course, a copy with a mutant identical to its solution,
a copy with a misspelt key) run together in one module fixture.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from grade_command import Outcome, finish, start_grade

REPO = Path(__file__).resolve().parents[1]
COURSE = yaml.safe_load((REPO / "course.yaml").read_text(encoding="utf-8"))
MUTANTS = [(e["id"], m["name"]) for e in COURSE["exercises"] for m in e.get("mutants", [])]
BROKEN_EXERCISE, BROKEN_MUTANT = "partials", "swapped_outputs"
OVER_BUDGET = "square"
"""In the broken copy, this exercise gets a CPU budget no check can meet."""
MISSPELT = ("visible", "visibel")


@dataclass(frozen=True)
class Runs:
    real: Outcome
    broken: Outcome
    misspelt: Outcome
    misspelt_line: int
    misspelt_column: int


def _copy_course(target: Path) -> Path:
    target.mkdir()
    shutil.copyfile(REPO / "course.yaml", target / "course.yaml")
    for folder in ("exercises", "solutions", "mutants"):
        shutil.copytree(REPO / folder, target / folder)
    return target


def _validate(course: Path) -> subprocess.Popen[str]:
    return start_grade("--course", str(course), "validate")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = tmp_path_factory.mktemp("validate")
    broken = _copy_course(root / "broken")
    shutil.copyfile(broken / "solutions" / f"{BROKEN_EXERCISE}.py", broken / "mutants" / BROKEN_EXERCISE / f"{BROKEN_MUTANT}.py")
    text = (broken / "course.yaml").read_text(encoding="utf-8")
    entry = "    entry_points: [derivative_square]\n"
    assert text.count(entry) == 1
    (broken / "course.yaml").write_text(text.replace(entry, entry + "    cpu_budget_ms: 0.001\n"), encoding="utf-8")
    misspelt = _copy_course(root / "misspelt")
    lines = (misspelt / "course.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.lstrip().startswith(f"{MISSPELT[0]}:"))
    column = lines[index].index(MISSPELT[0]) + 1
    lines[index] = lines[index].replace(f"{MISSPELT[0]}:", f"{MISSPELT[1]}:", 1)
    (misspelt / "course.yaml").write_text("".join(lines), encoding="utf-8")
    processes = [_validate(REPO), _validate(broken), _validate(misspelt)]
    real, bad, typo = (finish(p) for p in processes)
    return Runs(real, bad, typo, index + 1, column)


def test_validate_on_the_real_course_exits_0(runs: Runs) -> None:
    assert runs.real.returncode == 0, runs.real.text
    assert "Traceback" not in runs.real.text


def test_validate_prints_every_mutant(runs: Runs) -> None:
    assert len(MUTANTS) >= 6
    for exercise, mutant in MUTANTS:
        line = next((line for line in runs.real.stdout.splitlines() if f"{exercise}/{mutant}:" in line), None)
        assert line is not None, f"{exercise}/{mutant} is not in the validate output"
        assert "caught by" in line and "hint given" in line, line


def test_validate_reports_solutions_and_stubs(runs: Runs) -> None:
    for exercise in COURSE["exercises"]:
        assert f"{exercise['id']}: the solution scores" in runs.real.stdout
        assert f"{exercise['id']}: the stub scores 0" in runs.real.stdout


def test_validate_reports_each_exercises_cpu_cost_within_its_budget(runs: Runs) -> None:
    for exercise in COURSE["exercises"]:
        line = next((line for line in runs.real.stdout.splitlines() if f"{exercise['id']}: the checks cost" in line), None)
        assert line is not None, f"no CPU cost reported for {exercise['id']}"
        assert re.search(r"cost \d+ ms of CPU on the reference solution \(budget [\d.]+ ms\)", line), line


def test_validate_fails_an_exercise_over_its_cpu_budget_naming_it(runs: Runs) -> None:
    lines = [line for line in runs.broken.stdout.splitlines() if "over the exercise's budget" in line]
    assert [line.split(":")[0].split()[-1] for line in lines] == [OVER_BUDGET], runs.broken.stdout
    assert "cpu_budget_ms" in lines[0]


def test_validate_on_a_course_whose_mutant_equals_its_solution_exits_1_naming_it(runs: Runs) -> None:
    broken = runs.broken
    assert broken.returncode == 1, broken.text
    assert "Traceback" not in broken.text
    lines = [line for line in broken.stdout.splitlines() if f"{BROKEN_EXERCISE}/{BROKEN_MUTANT}" in line]
    assert lines, broken.stdout
    assert any("passes every check" in line for line in lines), lines
    others = [f"{e}/{m}" for e, m in MUTANTS if (e, m) != (BROKEN_EXERCISE, BROKEN_MUTANT)]
    failing = [line for line in broken.stdout.splitlines() if "passes every check" in line]
    assert not [name for name in others if any(name + ":" in line for line in failing)], "only the broken mutant may fail"


def test_a_misspelt_key_exits_2_with_its_place_and_a_suggestion(runs: Runs) -> None:
    typo = runs.misspelt
    assert typo.returncode == 2, typo.text
    assert "Traceback" not in typo.text
    place = f"course.yaml:{runs.misspelt_line}:{runs.misspelt_column}"
    lines = [line for line in typo.stderr.splitlines() if place in line]
    assert lines, f"no problem located at {place}:\n{typo.stderr}"
    assert any(MISSPELT[1] in line and re.search(rf"did you mean `?{MISSPELT[0]}`?", line) for line in lines), lines
