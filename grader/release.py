"""``grade release``: the student bundle, with nothing hidden in it.

Written: the stubs, a ``course.yaml`` holding the visible checks only (no seed, no mutants, no
deadline), the reference's observations on the visible inputs (so that ``grade check`` works
without the solutions; known mistakes keep their hint under a neutral name, never their source
lines), the constraints file, a README, and (as the CLI asks) the grader's own wheel.
``tests/test_release.py`` proves that nothing hidden reaches the folder.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader.checks.judge import Observations
from grader.course.load import LoadedCourse
from grader.engine import EXPECTED_FILE
from grader.errors import UsageError
from grader.evaluate import Baseline, evaluate_baseline
from grader.plan import build_plan
from grader.release_wheel import ReleaseWheel, build_release_wheel, install_command
from grader.sandbox.client import ForkServer

RELEASE_README = """# {title}

Your exercises are in `exercises/`. Each file has a stub that raises
`NotImplementedError`; replace the body with your solution.

Check your work against the visible checks at any time:

    grade check              # every exercise
    grade check square       # one exercise

`grade check` works from this folder or any folder below it (such as `exercises/`).

Install the grader once, from this folder:

    {install}

The hidden checks your work is graded on use other inputs: make your code
correct, not just right on these cases.
"""


@dataclass(frozen=True)
class ReleaseBundle:
    """What ``grade release`` wrote, and the command that installs the grader for it."""

    files: list[Path]
    install_command: str
    """Run in the release's folder: installs the grader (from ``wheels/`` when the wheel was built), torch pinned."""
    wheel_problem: str = ""
    """Why the grader's wheel is not in the release (empty when it is, or when none was asked for)."""


def release(loaded: LoadedCourse, out: Path, force: bool = False, wheel: bool = False) -> ReleaseBundle:
    """``grade release OUT``: the student bundle, with nothing hidden in it.

    Written: stubs, a course.yaml holding the visible checks only (no seed, no
    mutants), and the reference's observations on the visible inputs so that
    ``grade check`` works without the solutions. With ``wheel`` (as the CLI does),
    also the grader's own wheel, so students install it from the release.
    """
    _empty_folder(out, force)
    with ForkServer() as server:
        baseline = evaluate_baseline(server, loaded.root, build_plan(loaded.course, None, visible_only=True))
    written = _copy_stubs(loaded, out)
    course_file = out / "course.yaml"
    course_file.write_text(yaml.safe_dump(_visible_course_data(loaded), sort_keys=False, allow_unicode=True), encoding="utf-8")
    expected_file = out / EXPECTED_FILE
    expected_file.parent.mkdir()
    expected_file.write_text(json.dumps(_expected_data(baseline)), encoding="utf-8")
    constraints = loaded.root / "constraints.txt"
    if constraints.is_file():
        shutil.copyfile(constraints, out / "constraints.txt")
        written.append(out / "constraints.txt")
    built = build_release_wheel(out) if wheel else ReleaseWheel(None, install_command(None, out, constraints.is_file()))
    if built.wheel is not None:
        written.append(built.wheel)
    readme = out / "README.md"
    readme.write_text(RELEASE_README.format(title=loaded.course.title, install=built.install_command), encoding="utf-8")
    written += [course_file, expected_file, readme]
    return ReleaseBundle(files=written, install_command=built.install_command, wheel_problem=built.problem)


def _empty_folder(out: Path, force: bool) -> None:
    """``out`` created empty; an existing non-empty folder is replaced only with ``force``."""
    if out.exists() and any(out.iterdir()):
        if not force:
            raise UsageError(f"{out} exists and is not empty; choose another folder or pass --force")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def _copy_stubs(loaded: LoadedCourse, out: Path) -> list[Path]:
    (out / "exercises").mkdir()
    written = []
    for exercise in loaded.course.exercises:
        target = out / "exercises" / f"{exercise.id}.py"
        shutil.copyfile(loaded.root / "exercises" / f"{exercise.id}.py", target)
        written.append(target)
    return written


def _expected_data(baseline: Baseline) -> dict[str, Any]:
    """The reference's visible observations, and each known mistake's hint and visible observations under a neutral name."""
    return {
        "references": _without_frames(baseline.references),
        "mutants": {
            exercise_id: [
                {
                    "name": f"known_mistake_{i + 1}",
                    "hint": m.hint,
                    "observations": _visible_only(m.observations, baseline.references[exercise_id]),
                }
                for i, m in enumerate(behaviours)
            ]
            for exercise_id, behaviours in baseline.mutants.items()
        },
    }


def _visible_only(observations: Observations, references: Observations) -> Observations:
    return {probe_id: _without_frames(obs) for probe_id, obs in observations.items() if probe_id in references}


def _without_frames(value: Any) -> Any:
    """Drop traceback frames: they quote the (hidden) mutant's source lines."""
    if isinstance(value, dict):
        return {key: _without_frames(item) for key, item in value.items() if key != "frames"}
    if isinstance(value, list):
        return [_without_frames(item) for item in value]
    return value


def _visible_course_data(loaded: LoadedCourse) -> dict[str, Any]:
    data = loaded.course.model_dump(mode="json", exclude_defaults=True)
    data["seed"] = 0
    data["released"] = True
    data.pop("checks_dir", None)
    data.pop("deadline", None)  # extensions and timestamps files are the instructor's
    for exercise in data["exercises"]:
        exercise.pop("mutants", None)
        exercise.pop("release_whitelist", None)
        exercise.pop("cpu_budget_ms", None)
        exercise["checks"] = [c for c in exercise["checks"] if c.get("visible")]
        for check in exercise["checks"]:
            check.pop("random", None)
    return data


__all__ = ["RELEASE_README", "ReleaseBundle", "release"]
