"""What the course's own checks cost: CPU time of every probe of an exercise, run on the reference solution.

A check should cost what it needs to prove its property. ``grade validate`` reports
this number per exercise and fails an exercise over its ``cpu_budget_ms``.

The measurement runs in one child process (``python -m grader.course.cost``), warmed
the way the fork server warms its workers (:func:`grader.sandbox.template.warm_up`),
that forks once per pass as the server forks a worker, with no sandbox around it: it
runs the instructor's own solutions, and it measures the course, not the grader (the
sandbox's overhead is the benchmark's business). Each exercise is probed ``repeats``
times; the least CPU time counts, since anything above it is noise from a busy
machine, not the course's cost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from grader.course.load import LoadedCourse
from grader.errors import CourseError
from grader.plan import build_plan

REPEATS = 2
TIMEOUT_S = 600.0


def reference_cpu_ms(loaded: LoadedCourse, exercises: list[str] | None = None, repeats: int = REPEATS) -> dict[str, float]:
    """Exercise id -> CPU milliseconds that all its checks' probes cost on the reference solution."""
    plan = build_plan(loaded.course, loaded.course.seed)
    wanted = exercises or loaded.exercise_ids
    request = {
        "repeats": repeats,
        "modules": [
            {"name": p.id, "path": str(loaded.root / "solutions" / f"{p.id}.py"), "probes": p.probes()}
            for p in plan.exercises
            if p.id in wanted
        ],
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "grader.course.cost"],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CourseError([f"measuring the reference solutions' CPU cost took over {TIMEOUT_S:g} s"]) from None
    if done.returncode != 0:
        raise CourseError([f"measuring the reference solutions' CPU cost failed: {done.stderr.strip()[-2000:]}"])
    costs: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return costs


def budget_verdicts(loaded: LoadedCourse, costs: dict[str, float]) -> list[tuple[bool, str]]:
    """One line per exercise for ``grade validate``: its reference's CPU cost against its ``cpu_budget_ms``."""
    verdicts = []
    for exercise in loaded.course.exercises:
        cost, budget = costs.get(exercise.id), exercise.cpu_budget_ms
        if cost is None:
            verdicts.append((False, f"{exercise.id}: the CPU cost of its checks on the reference solution was not measured"))
        elif cost > budget:
            verdicts.append(
                (
                    False,
                    f"{exercise.id}: the checks cost {cost:.0f} ms of CPU on the reference solution, over the exercise's budget of "
                    f"{budget:g} ms: make them cheaper (fewer steps, fewer cases) or raise `cpu_budget_ms` in course.yaml",
                )
            )
        else:
            verdicts.append((True, f"{exercise.id}: the checks cost {cost:.0f} ms of CPU on the reference solution (budget {budget:g} ms)"))
    return verdicts


def _cpu_seconds_of_one_pass(module: dict[str, Any]) -> float:
    """In a fork of this warm process, as a worker is forked from the warm server: import the solution
    and answer every probe. The CPU seconds the fork spent (first-use costs a worker pays included)."""
    from grader.sandbox import worker

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, report, leave without running the parent's cleanup
        code = 1
        try:
            os.close(read_end)
            sink = os.open(os.devnull, os.O_WRONLY)
            os.dup2(sink, 1)  # nor the solution's prints
            started = time.process_time()
            worker.run_module(module["name"], module["path"], module["probes"])
            os.write(write_end, repr(time.process_time() - started).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        text = answer.read().decode()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not text:
        raise RuntimeError(f"probing the reference of {module['name']} failed (wait status {status})")
    return float(text)


def _main() -> None:
    """Child side: read the request on stdin, print ``{exercise: ms}`` as the last line of stdout."""
    from grader.sandbox.protocol import RESULT_FD
    from grader.sandbox.template import warm_up

    request = json.loads(sys.stdin.read())
    # The worker writes its observations on RESULT_FD: they are not needed here, only their cost. Taken
    # before any pipe is made, so no pipe of a pass can land on that number.
    os.dup2(os.open(os.devnull, os.O_WRONLY), RESULT_FD)
    warm_up()
    costs: dict[str, float] = {}
    for module in request["modules"]:
        seconds = min(_cpu_seconds_of_one_pass(module) for _ in range(max(1, int(request["repeats"]))))
        costs[module["name"]] = round(seconds * 1000, 1)
    print(json.dumps(costs), flush=True)


__all__ = ["budget_verdicts", "reference_cpu_ms"]


if __name__ == "__main__":
    _main()
