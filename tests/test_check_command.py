"""``grade check``: what a student sees locally, through the real CLI.

The five invocations are started together in one module fixture (each costs a few
seconds of start-up) and the tests read their exit codes and output.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from grade_command import Outcome, finish, start_grade

REPO = Path(__file__).resolve().parents[1]
COURSE = yaml.safe_load((REPO / "course.yaml").read_text(encoding="utf-8"))
TITLES = {e["id"]: e["title"] for e in COURSE["exercises"]}
VISIBLE = {c["name"] for e in COURSE["exercises"] for c in e["checks"] if c.get("visible")}
CHECKS = {e["id"]: [c["name"] for c in e["checks"]] for e in COURSE["exercises"]}


def _shows(text: str, name: str) -> bool:
    """Whether a check name appears as a whole word (``value_at_tutorial_point`` is not in ``value_at_tutorial_points``)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None


def _check(*args: str) -> subprocess.Popen[str]:
    return start_grade("--course", str(REPO), "check", *args)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    root = tmp_path_factory.mktemp("check")
    solved = root / "solved"
    shutil.copytree(REPO / "solutions", solved)
    tutorial = root / "tutorial"
    shutil.copytree(REPO / "exercises", tutorial)
    shutil.copyfile(REPO / "examples" / "class" / "tutorial_copy" / "custom_square.py", tutorial / "custom_square.py")
    started = {
        "stubs": _check(),
        "solved": _check("--workspace", str(solved)),
        "square": _check("square"),
        "unknown": _check("no_such_exercise"),
        "tutorial": _check("--workspace", str(tutorial), "custom_square"),
    }
    results = {}
    for key, process in started.items():
        results[key] = finish(process)
    return results


def test_check_on_untouched_stubs_exits_1_and_says_not_started(outcomes: dict[str, Outcome]) -> None:
    stubs = outcomes["stubs"]
    assert stubs.returncode == 1, stubs.text
    assert "Traceback" not in stubs.text
    assert "not started" in stubs.stdout
    for title in TITLES.values():
        assert title in stubs.stdout
    assert "Total: 0/" in stubs.stdout


def test_check_lists_visible_checks_only(outcomes: dict[str, Outcome]) -> None:
    hidden = {c["name"] for e in COURSE["exercises"] for c in e["checks"] if not c.get("visible")}
    visible = {c["name"] for e in COURSE["exercises"] for c in e["checks"] if c.get("visible")}
    stubs = outcomes["stubs"].stdout
    assert all(_shows(stubs, name) for name in visible)
    assert [name for name in hidden if _shows(stubs, name)] == []


def test_check_on_a_workspace_with_the_solutions_exits_0(outcomes: dict[str, Outcome]) -> None:
    solved = outcomes["solved"]
    assert solved.returncode == 0, solved.text
    assert "Traceback" not in solved.text
    assert "not started" not in solved.stdout
    visible_points = sum(c["points"] for e in COURSE["exercises"] for c in e["checks"] if c.get("visible"))
    assert f"Total: {visible_points:g}/{visible_points:g}" in solved.stdout


def test_check_square_only_shows_square(outcomes: dict[str, Outcome]) -> None:
    square = outcomes["square"]
    assert square.returncode == 1, square.text
    assert TITLES["square"] in square.stdout
    others = [title for exercise, title in TITLES.items() if exercise != "square" and title in square.stdout]
    assert others == []
    foreign = {name for exercise, names in CHECKS.items() if exercise != "square" for name in names} - set(CHECKS["square"])
    assert [name for name in foreign if _shows(square.stdout, name)] == []
    assert all(_shows(square.stdout, name) for name in CHECKS["square"] if name in VISIBLE)


def test_check_with_an_unknown_exercise_exits_2_with_a_clear_message(outcomes: dict[str, Outcome]) -> None:
    unknown = outcomes["unknown"]
    assert unknown.returncode == 2, unknown.text
    assert "Traceback" not in unknown.text
    assert "no_such_exercise" in unknown.stderr
    assert "no exercise" in unknown.stderr
    assert all(exercise in unknown.stderr.replace("\n", " ") for exercise in TITLES), "the message should list the exercises"


def test_check_on_the_tutorial_sq_shows_the_grad_output_hint(outcomes: dict[str, Outcome]) -> None:
    tutorial = outcomes["tutorial"]
    assert tutorial.returncode == 1, tutorial.text
    assert "Traceback" not in tutorial.text
    assert TITLES["custom_square"] in tutorial.stdout
    assert "Hint:" in tutorial.stdout
    hint_text = tutorial.stdout[tutorial.stdout.index("Hint:") :]
    assert "grad_output" in hint_text
    assert "forward_values" in tutorial.stdout and "backward_values" in tutorial.stdout
