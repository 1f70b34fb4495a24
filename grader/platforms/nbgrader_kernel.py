"""What an nbgrader test cell runs inside the student's kernel: one check, scored like ``grade run``.

Why this design (the choice issue #4 asks to document): a generated test cell carries the check
as data (its planned inputs, the reference solution's observations on them, the declared
mutants' observations for the hints, the tolerances) and calls :func:`score_check`. That runs the
*same* probe functions the sandbox worker runs (:data:`grader.sandbox.probes.PROBES`) on the
objects the student's solution cell defined, then the *same* judge (:func:`grader.checks.judge.
judge_check`) the pytest session uses. So a check passes in nbgrader exactly when it passes in
``grade run`` (given the course seed and the order of checks, which the notebook keeps), and new
check kinds work here without a line of notebook-specific code. The reference values come from the
engine's baseline at build time, so the solutions are not needed when nbgrader autogrades.

nbgrader pitfalls handled here: anything on stderr zeroes a cell, so Python warnings are recorded
and the stderr stream and file descriptor 2 are redirected while the check runs (what they caught
is printed on stdout); the value returned (the cell's last expression) is a plain ``float`` clamped
to ``[0, points]``, never a tensor, ``np.float64`` or more than the cell is worth.

This trusts the kernel: student code runs in the same process and could patch this module. Use
``grade run`` on nbgrader's ``submitted/`` tree for grades that code cannot tamper with.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import types
import warnings
from collections.abc import Iterator
from typing import Any

from grader.checks.judge import MutantBehaviour, judge_check
from grader.course.schema import Check, Tolerance
from grader.plan import PlannedCase, PlannedCheck
from grader.results import CheckResult
from grader.sandbox.probes import PROBES


def check_payload(
    planned: PlannedCheck, tolerances: dict[str, Tolerance], reference: dict[str, Any], mutants: tuple[MutantBehaviour, ...]
) -> str:
    """The data a test cell embeds for one check (only this check's probes: a visible cell holds no hidden value)."""
    probe_ids = [case.probe_id for case in planned.cases]
    return json.dumps(
        {
            "exercise": planned.exercise,
            "check": planned.check.model_dump(mode="json"),
            "cases": [{"probe_id": c.probe_id, "probe": c.probe, "label": c.label} for c in planned.cases],
            "tolerances": {dtype: tol.model_dump() for dtype, tol in tolerances.items()},
            "reference": {pid: reference[pid] for pid in probe_ids},
            "mutants": [
                {"name": m.name, "hint": m.hint, "observations": {pid: m.observations[pid] for pid in probe_ids if pid in m.observations}}
                for m in mutants
            ],
        },
        separators=(",", ":"),
    )


def _planned(data: dict[str, Any]) -> PlannedCheck:
    cases = tuple(PlannedCase(probe_id=c["probe_id"], probe=c["probe"], label=c["label"]) for c in data["cases"])
    return PlannedCheck(exercise=data["exercise"], check=Check.model_validate(data["check"]), cases=cases)


@contextlib.contextmanager
def _quiet_stderr(caught: io.StringIO) -> Iterator[None]:
    """Keep stderr (Python's stream, file descriptor 2 and warnings) out of the cell's outputs."""
    sys.stderr.flush()
    saved_fd = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as spool:
        os.dup2(spool.fileno(), 2)
        try:
            with contextlib.redirect_stderr(caught), warnings.catch_warnings(record=True) as recorded:
                warnings.simplefilter("always")
                yield
            for warning in recorded:
                caught.write(f"{warning.category.__name__}: {warning.message}\n")
        finally:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            spool.seek(0)
            caught.write(spool.read().decode("utf-8", "replace"))


def _student_file(namespace: dict[str, Any], entry: str) -> str:
    code = getattr(namespace.get(entry), "__code__", None)
    return str(getattr(code, "co_filename", "<notebook>"))


def run_check(namespace: dict[str, Any], payload: str) -> CheckResult:
    """Probe the objects in ``namespace`` (the kernel's globals) and judge them; never raises for student errors."""
    data = json.loads(payload)
    planned = _planned(data)
    module = types.ModuleType(planned.exercise)
    module.__dict__.update(namespace)
    student_file = _student_file(namespace, planned.check.entry)
    observations: dict[str, dict[str, Any]] = {}
    for case in planned.cases:
        probe = {**case.probe, "id": case.probe_id}
        try:
            observations[case.probe_id] = PROBES[probe["op"]](module, student_file, probe)
        except Exception as error:  # the probe's own bookkeeping tripped over a student object
            observations[case.probe_id] = {"error": {"type": type(error).__name__, "message": str(error)[:2000], "frames": []}}
    tolerances = {dtype: Tolerance(**tol) for dtype, tol in data["tolerances"].items()}
    mutants = tuple(MutantBehaviour(m["name"], m["hint"], m["observations"]) for m in data["mutants"])
    return judge_check(planned, observations, data["reference"], mutants, tolerances, "the check did not finish")


def score_check(namespace: dict[str, Any], payload: str) -> float:
    """Run one check, print what a student should read, return the points as a clamped plain float."""
    caught = io.StringIO()
    with _quiet_stderr(caught):
        result = run_check(namespace, payload)
    verdict = {"passed": "passed", "failed": "FAILED", "not_started": "not started", "not_graded": "not graded"}[result.status]
    print(f"{result.exercise} / {result.name}: {verdict} ({result.points:g}/{result.max_points:g})")
    if result.description:
        print(f"  checks: {result.description}")
    if result.message:
        print(f"  {result.message}")
    if result.hint:
        print(f"  hint: {result.hint}")
    if caught.getvalue().strip():
        print("  (stderr while checking, shown here so it does not zero the cell):")
        print("  " + caught.getvalue().strip()[-2000:].replace("\n", "\n  "))
    return float(min(max(float(result.points), 0.0), float(result.max_points)))


__all__ = ["check_payload", "run_check", "score_check"]
