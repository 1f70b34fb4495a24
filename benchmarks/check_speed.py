"""How long a student waits for ``grade check square``: wall time and CPU, stub and solution.

Runs the real command (``python -m grader.cli check square``) ``--runs`` times on the
course's stub (``exercises/``) and on its solution (``solutions/``, as a workspace), one
run at a time, and prints per case the min and median wall-clock seconds and the min
and median CPU seconds (user + system of the command and every process it started:
the fork server, the template and its workers, all reaped by the time the command
exits). For reference it also times the floor: a fresh interpreter that imports torch
and calls the solution's function once.

On a shared machine wall times are inflated by other work; the min of several runs and
the CPU seconds are the comparable numbers. Run from the repository:
``python benchmarks/check_speed.py --runs 5`` (``--isolation portable`` times that level;
``GRADER_WARM_UP=full`` in the environment times the class run's full warm-up instead).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLOOR = "import sys; sys.path.insert(0, 'solutions'); import square; print(square.derivative_square(3.0))"


def _timed(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system of the command's whole process tree) and the exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=REPO, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, completed.returncode


def _report(name: str, samples: list[tuple[float, float, int]]) -> None:
    walls = [s[0] for s in samples]
    cpus = [s[1] for s in samples]
    codes = sorted({s[2] for s in samples})
    print(
        f"{name:<10} wall min {min(walls):5.2f} s  median {statistics.median(walls):5.2f} s   "
        f"cpu min {min(cpus):5.2f} s  median {statistics.median(cpus):5.2f} s   exit {codes}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs per case (default 5)")
    parser.add_argument("--exercise", default="square", help="the exercise to check (default square)")
    parser.add_argument("--isolation", default=None, help="force a sandbox level (as `grade check --isolation`)")
    args = parser.parse_args()
    grade = [sys.executable, "-m", "grader.cli", "check", args.exercise]
    if args.isolation:
        grade += ["--isolation", args.isolation]
    cases = {
        "floor": [sys.executable, "-c", FLOOR],
        "stub": grade,
        "solution": [*grade, "--workspace", str(REPO / "solutions")],
    }
    print(f"{args.runs} runs each, `grade check {args.exercise}`, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    for name, command in cases.items():
        if name == "floor" and args.exercise != "square":
            continue
        _report(name, [_timed(command) for _ in range(args.runs)])


if __name__ == "__main__":
    main()
