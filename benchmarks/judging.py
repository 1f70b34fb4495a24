"""Time the trusted-side judging alone (the pytest session and the judges), from stored evaluations.

    .venv/bin/python benchmarks/judging.py /tmp/j20/class --students 200
    .venv/bin/python benchmarks/judging.py /tmp/j20/class --students 200 --profile /tmp/judging.prof

The first run evaluates the class once in the sandbox (reference, mutants and every
submission) and stores the observations in ``--evaluations`` (default: next to the
class); later runs read them back, so only judging is timed. ``--students N`` judges N
submissions, cycling through the evaluated ones under new names (each a fresh copy of
the records, as the sandbox would hand them over). Submissions are judged in chunks
of ``--chunk`` (the engine's default), one :func:`grader.checks.plugin.run_judging`
session per chunk, exactly as ``grade run`` builds them.

Prints wall and CPU time per submission, the load average, and a digest of every
check result (status, points, message, hint, diagnosis): two versions of the judge
that print the same digest gave the same verdicts. ``--dump`` writes the results
for a diff. Numbers are printed, never asserted: speed is measured here, not in tests.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader.checks.judge import MutantBehaviour  # noqa: E402
from grader.checks.plugin import JudgeOutcome, JudgeTask, run_judging  # noqa: E402
from grader.course.load import LoadedCourse, load_course  # noqa: E402
from grader.engine import DEFAULT_CHUNK  # noqa: E402
from grader.evaluate import Baseline, evaluate_baseline, evaluate_submissions  # noqa: E402
from grader.plan import Plan, build_plan  # noqa: E402
from grader.sandbox.client import ForkServer  # noqa: E402
from grader.submissions import discover  # noqa: E402

SKIPPED = ("missing", "syntax_error", "rejected")
"""Evaluation statuses the engine does not judge (as in :func:`grader.engine.grade_stream`)."""


def evaluate_once(loaded: LoadedCourse, plan: Plan, class_dir: Path, jobs: int) -> dict[str, Any]:
    """Reference, mutants and every submission of ``class_dir``, evaluated in the sandbox, as plain data."""
    ids = [e.id for e in plan.exercises]
    submissions = discover([class_dir], ids)
    with ForkServer(parallel=jobs) as server:
        baseline = evaluate_baseline(server, loaded.root, plan)
        evaluated = {
            submission.name: {
                exercise: {"status": e.status, "message": e.message, "observations": e.observations} for exercise, e in evaluations.items()
            }
            for submission, evaluations in evaluate_submissions(server, lambda _: plan, submissions)
        }
    mutants = {
        exercise: [{"name": m.name, "hint": m.hint, "observations": m.observations} for m in behaviours]
        for exercise, behaviours in baseline.mutants.items()
    }
    return {"references": baseline.references, "mutants": mutants, "submissions": evaluated}


def chunk_tasks(plan: Plan, baseline: Baseline, stored: dict[str, str], students: int, chunk: int) -> list[list[JudgeTask]]:
    """The judge tasks of ``students`` submissions (copies of the stored ones), chunk by chunk, as the engine builds them."""
    names = sorted(stored)
    chunks = []
    for start in range(0, students, chunk):
        tasks = []
        for number in range(start, min(start + chunk, students)):
            original = names[number % len(names)]
            evaluations = json.loads(stored[original])  # a fresh copy, as if it had just come from the sandbox
            for exercise_plan in plan.exercises:
                evaluation = evaluations[exercise_plan.id]
                if evaluation["status"] in SKIPPED:
                    continue
                tasks.append(
                    JudgeTask(
                        submission=f"{number:05d}_{original}",
                        plan=exercise_plan,
                        observations=evaluation["observations"],
                        reference=baseline.references[exercise_plan.id],
                        mutants=baseline.mutants.get(exercise_plan.id, ()),
                        unfinished=evaluation["message"] or "the worker ended before this check",
                    )
                )
        chunks.append(tasks)
    return chunks


def judge_class(chunks: list[list[JudgeTask]]) -> list[JudgeOutcome]:
    """One pytest session per chunk."""
    return [run_judging(tasks, [], None) for tasks in chunks]


def digest(outcomes: list[JudgeOutcome]) -> tuple[str, list[dict[str, Any]]]:
    rows = [{"key": list(key), **dataclasses.asdict(result)} for outcome in outcomes for key, result in sorted(outcome.builtin.items())]
    text = json.dumps(rows, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16], rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("class_dir", type=Path, help="a folder of submission folders (e.g. from class_grading.py --keep)")
    parser.add_argument("--students", type=int, default=200, help="submissions to judge (cycling through the class)")
    parser.add_argument("--evaluations", type=Path, default=None, help="stored evaluations (default: CLASS_DIR/../evaluations.json)")
    parser.add_argument("--chunk", type=int, default=DEFAULT_CHUNK, help="submissions per pytest session")
    parser.add_argument("--repeat", type=int, default=3, help="time this many runs, print the fastest")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers for the one-time evaluation")
    parser.add_argument("--profile", type=Path, default=None, help="write a cProfile of one judging run here")
    parser.add_argument("--dump", type=Path, default=None, help="write every check result here (JSON), for a diff")
    args = parser.parse_args()

    loaded = load_course(REPO)
    plan = build_plan(loaded.course, loaded.course.seed)
    store = args.evaluations or args.class_dir.parent / "evaluations.json"
    if not store.exists():
        started = time.perf_counter()
        store.write_text(json.dumps(evaluate_once(loaded, plan, args.class_dir, args.jobs)), encoding="utf-8")
        print(f"evaluated {args.class_dir} once in {time.perf_counter() - started:.1f} s -> {store}")
    data = json.loads(store.read_text(encoding="utf-8"))
    mutants = {e: tuple(MutantBehaviour(m["name"], m["hint"], m["observations"]) for m in ms) for e, ms in data["mutants"].items()}
    baseline = Baseline(references=data["references"], mutants=mutants)
    stored = {name: json.dumps(evaluations) for name, evaluations in data["submissions"].items()}

    run_judging([], [], None)  # pytest's own first-import costs are not judging
    timings = []
    outcomes: list[JudgeOutcome] = []
    for _ in range(args.repeat):
        chunks = chunk_tasks(plan, baseline, stored, args.students, args.chunk)
        wall, cpu = time.perf_counter(), time.process_time()
        outcomes = judge_class(chunks)
        timings.append((time.perf_counter() - wall, time.process_time() - cpu))
    if args.profile is not None:
        profiler = cProfile.Profile()
        profiler.runcall(judge_class, chunk_tasks(plan, baseline, stored, args.students, args.chunk))
        profiler.dump_stats(args.profile)
    wall, cpu = min(timings)
    checks = sum(len(o.builtin) for o in outcomes)
    key, rows = digest(outcomes)
    if args.dump is not None:
        args.dump.write_text(json.dumps(rows, indent=1, sort_keys=True), encoding="utf-8")
    report_kib = sum(len(o.report) for o in outcomes) / 1024
    print(f"checks judged: {checks} in {len(outcomes)} pytest sessions; pytest report {report_kib:.0f} KiB; results digest {key}")
    print(f"runs (wall s / CPU s): {', '.join(f'{w:.2f}/{c:.2f}' for w, c in timings)}; load average {os.getloadavg()[0]:.1f}")
    per_wall, per_cpu = 1000 * wall / args.students, 1000 * cpu / args.students
    print(f"judging: {args.students} submissions in {wall:.2f} s ({per_wall:.1f} ms/submission wall, {per_cpu:.1f} ms/submission CPU)")


if __name__ == "__main__":
    main()
