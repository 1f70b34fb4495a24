"""Grade a synthetic class of N students with the real ``grade run``: wall time, ms per submission, peak memory.

    .venv/bin/python benchmarks/class_grading.py --students 200
    .venv/bin/python benchmarks/class_grading.py --students 50 --vs-nbgrader 10

The class is generated for whatever exercises ``course.yaml`` has: for each student and
exercise, a file drawn (seeded, so two runs grade the same class) from the reference
solution, the course's catalogued mistakes (``mutants/<exercise>/*.py``), the sample class's
versions (``examples/class/*/<exercise>.py``: the tutorials' bugs and typical mistakes), the
untouched stub, or nothing (a missing file). Two students are hostile but bounded: one loops
forever at import (hits ``--time-limit``), one crashes the interpreter (a segfault). Every
file handed in ends with a comment line naming its student, so no two students' files are
identical, as in a real class: no shortcut keyed on file contents can profit from the pool.

The trusted reference values (every solution and mutant run in the sandbox) are cached per
course (:mod:`grader.baseline_cache`). By default the timed run is the steady state an
instructor sees from the second ``grade run`` on: if the cache is cold, one student is first
graded twice, untimed (cold, then warm), and the difference is printed as the cold-start
cost. ``--cold`` deletes this course's cache entry first, so the timed run pays it.
Either way the output says whether the timed run's reference values came from the cache.

Peak memory is the largest sum of resident set sizes over the grader's whole process tree
(the grader, its fork server and every worker), sampled every 20 ms. Forked workers share
most pages with the fork server and RSS counts them in each, so this is an upper bound;
the proportional set size (PSS, shared pages split between sharers) is printed too.

``--vs-nbgrader M`` also grades M of the same (non-hostile) submissions with the real
``nbgrader autograde``, as one notebook per student (nbgrader's fastest layout), when the
nbgrader support of this project (``grader.platforms.nbgrader_build``) and nbgrader are
installed; otherwise it says why it cannot. The last line is machine-readable.

Numbers are printed, never asserted: speed is measured here, not in tests.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader import baseline_cache  # noqa: E402
from grader.course.load import LoadedCourse, load_course  # noqa: E402
from grader.plan import Plan, build_plan  # noqa: E402

HOSTILE = {
    "hostile_timeout": "# bounded hostile case: loops at import until the time limit ends it\nwhile True:\n    pass\n",
    "hostile_crash": "# bounded hostile case: a segmentation fault at import\nimport ctypes\n\nctypes.string_at(0)\n",
}
WEIGHTS = {"solution": 40, "mutant": 25, "sample": 20, "stub": 10, "missing": 5}
"""Share of each kind of file in the synthetic class (percent)."""


def _pools(loaded: LoadedCourse) -> dict[str, dict[str, list[Path]]]:
    """exercise id -> kind -> candidate files, found on disk for whatever exercises the course has."""
    root = loaded.root
    pools = {}
    for exercise in loaded.course.exercises:
        eid = exercise.id
        pools[eid] = {
            "solution": [root / "solutions" / f"{eid}.py"],
            "mutant": sorted((root / "mutants" / eid).glob("*.py")),
            "sample": sorted((root / "examples" / "class").glob(f"*/{eid}.py")),
            "stub": [root / "exercises" / f"{eid}.py"],
        }
    return pools


def generate_class(loaded: LoadedCourse, students: int, target: Path, seed: int) -> list[str]:
    """Write ``students`` submission folders under ``target``; returns the names of the non-hostile ones."""
    rng = random.Random(seed)
    pools = _pools(loaded)
    kinds = list(WEIGHTS)
    cache: dict[Path, str] = {}
    regular = []
    hostile = list(HOSTILE) if students >= 10 else []
    for index in range(students - len(hostile)):
        name = f"student_{index:05d}"
        folder = target / name
        folder.mkdir(parents=True)
        for eid, pool in pools.items():
            kind = rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]
            candidates = pool.get(kind) or pool["solution"]
            if kind == "missing":
                continue
            path = rng.choice(candidates)
            if path not in cache:
                cache[path] = path.read_text(encoding="utf-8")
            _hand_in(folder / f"{eid}.py", cache[path], name)
        regular.append(name)
    for name in hostile:
        folder = target / name
        folder.mkdir(parents=True)
        first, *rest = pools
        _hand_in(folder / f"{first}.py", HOSTILE[name], name)
        for eid in rest:
            _hand_in(folder / f"{eid}.py", pools[eid]["solution"][0].read_text(encoding="utf-8"), name)
    return regular


def _hand_in(path: Path, text: str, student: str) -> None:
    """Write a student's file, made unique by a last line naming the student."""
    path.write_text(f"{text.rstrip()}\n\n# handed in by {student}\n", encoding="utf-8")


def _children(pid: int, parents: dict[int, int]) -> list[int]:
    tree, frontier = [pid], [pid]
    while frontier:
        current = frontier.pop()
        kids = [child for child, parent in parents.items() if parent == current]
        tree.extend(kids)
        frontier.extend(kids)
    return tree


def _process_table() -> dict[int, int]:
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            table[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    return table


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in bytes; zeros if it is gone."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss, pss


@dataclass
class TreeMemory:
    """Samples the memory of a process tree in a thread until stopped."""

    pid: int
    interval: float = 0.02
    peak_rss: int = 0
    peak_pss: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> TreeMemory:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            pids = _children(self.pid, _process_table())
            sizes = [_memory(pid) for pid in pids]
            self.peak_rss = max(self.peak_rss, sum(r for r, _ in sizes))
            self.peak_pss = max(self.peak_pss, sum(p for _, p in sizes))
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


@dataclass
class Measured:
    wall: float
    peak_rss_mib: float
    peak_pss_mib: float
    output: str
    cpu: float
    """User + system CPU seconds of the whole tree (less sensitive than wall time to other load on the machine)."""


def measure(command: list[str], cwd: Path | None = None) -> Measured:
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # nbgrader runs alembic
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd, env=env)
    sampler = TreeMemory(process.pid).start()
    output, _ = process.communicate()
    wall = time.monotonic() - started
    sampler.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} ... failed ({process.returncode}):\n{output[-3000:]}")
    return Measured(wall, sampler.peak_rss / 2**20, sampler.peak_pss / 2**20, output, cpu)


def grade_class(class_dir: Path, out: Path, jobs: int, time_limit: float, extra: list[str]) -> Measured:
    command = [sys.executable, "-m", "grader.cli", "--course", str(REPO), "run", str(class_dir), "--out", str(out)]
    command += ["--jobs", str(jobs), "--time-limit", str(time_limit), "--quiet", "--force", *extra]
    return measure(command)


def _cache_key(loaded: LoadedCourse, time_limit: float, selected: list[str], extra: list[str]) -> str | None:
    """The cache key ``grade run`` will use for the course seed's reference values; None when it uses no cache."""
    if baseline_cache.disabled() or "--per-student-seed" in extra:
        return None
    plan = build_plan(loaded.course, loaded.course.seed, False, time_limit)
    if selected:
        plan = Plan(course=plan.course, seed=plan.seed, exercises=tuple(p for p in plan.exercises if p.id in selected))
    return baseline_cache.baseline_key(loaded, plan)


def _cache_files() -> dict[str, int]:
    """Cache entry -> inode: a stored (recomputed) entry gets a new inode, a cache hit only touches its times."""
    try:
        return {p.name: p.stat().st_ino for p in baseline_cache.cache_dir().glob("*.json")}
    except OSError:
        return {}


def _computed(before: dict[str, int]) -> bool:
    """Whether a run between ``before`` and now stored a baseline (so it computed one instead of reading it)."""
    return any(before.get(name) != inode for name, inode in _cache_files().items())


def cold_start_cost(class_dir: Path, student: str, work: Path, jobs: int, time_limit: float, extra: list[str], key: str) -> float:
    """Grade one student twice, untimed: with this course's cache entry removed, then with it; the difference."""
    (baseline_cache.cache_dir() / f"{key}.json").unlink(missing_ok=True)
    one = work / "warmup" / "class"
    if one.exists():
        shutil.rmtree(one)
    shutil.copytree(class_dir / student, one / student)
    cold = grade_class(one, work / "warmup" / "out-cold", jobs, time_limit, extra)
    warm = grade_class(one, work / "warmup" / "out-warm", jobs, time_limit, extra)
    return cold.wall - warm.wall


def worker_time_by_exercise(records: Path, shown: int = 6) -> str:
    """Where the workers' time went: each exercise's share of the summed ``wall_seconds`` of the records.

    The course's own computations (a training loop in a check, a figure rendered) are
    most of a run; this line says which exercises an instructor pays for.
    """
    totals: dict[str, float] = {}
    for path in records.glob("*.json"):
        for exercise in json.loads(path.read_text(encoding="utf-8")).get("exercises", []):
            totals[exercise["exercise"]] = totals.get(exercise["exercise"], 0.0) + float(exercise.get("wall_seconds", 0.0))
    overall = sum(totals.values()) or 1.0
    dearest = sorted(totals.items(), key=lambda item: -item[1])[:shown]
    shares = ", ".join(f"{name} {seconds:.1f} s ({100 * seconds / overall:.0f}%)" for name, seconds in dearest)
    return f"worker time by exercise (summed over workers, {overall:.1f} s): {shares}"


def _nbgrader_support() -> tuple[Any, Any, str] | str:
    """The project's nbgrader builder, its names module and the nbgrader command, or why they are unavailable."""
    try:
        build = importlib.import_module("grader.platforms.nbgrader_build")
        names = importlib.import_module("grader.platforms.nbgrader_names")
    except ImportError as error:
        return f"the nbgrader support (grader.platforms.nbgrader_build, issue #4) is not importable here: {error}"
    executable = shutil.which("nbgrader", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if executable is None:
        return "nbgrader is not installed: pip install -c constraints.txt -e '.[nbgrader]'"
    return build, names, executable


def nbgrader_autograde(loaded: LoadedCourse, class_dir: Path, students: list[str], work: Path) -> Measured | str:
    """Grade ``students`` with the real ``nbgrader autograde``, one notebook per student; returns the measurement or why not."""
    support = _nbgrader_support()
    if isinstance(support, str):
        return support
    build, names, executable = support
    course_dir = work / "nbgrader"
    assignment = "bench"
    build.build(loaded, course_dir, assignment=assignment, one_notebook=True, force=True)
    env = {**os.environ, "PATH": f"{Path(executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [executable, "generate_assignment", assignment, "--force"]
    generated = subprocess.run(command, cwd=course_dir, capture_output=True, text=True, env=env, check=False)
    if generated.returncode != 0:
        return f"nbgrader generate_assignment failed ({generated.returncode}): {generated.stderr[-1500:]}"
    release = json.loads((course_dir / "release" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8"))
    for student in students:
        notebook = json.loads(json.dumps(release))
        for cell in notebook["cells"]:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            for exercise in loaded.course.exercises:
                source = class_dir / student / f"{exercise.id}.py"
                if grade_id == names.solution_id(exercise.id) and source.is_file():
                    cell["source"] = source.read_text(encoding="utf-8")
        target = course_dir / "submitted" / student / assignment
        target.mkdir(parents=True)
        (target / f"{assignment}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return measure([executable, "autograde", assignment, "--create", "--force"], cwd=course_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=200, help="class size N")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="grade run --jobs (default: cores)")
    parser.add_argument("--time-limit", type=float, default=3.0, help="grade run --time-limit: what the hostile loop costs (s)")
    parser.add_argument("--vs-nbgrader", type=int, default=0, metavar="M", help="also run nbgrader autograde on M submissions")
    parser.add_argument("--seed", type=int, default=2015, help="seed of the synthetic class")
    parser.add_argument("--exercises", default="", help="comma-separated exercise ids to grade (default: the whole course)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the class and the results in this folder")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="delete this course's cached reference values first, so the timed run computes them (a course's first run)",
    )
    parser.add_argument("extra", nargs=argparse.REMAINDER, help="more arguments for grade run, after --")
    args = parser.parse_args()
    loaded = load_course(REPO)
    work = Path(tempfile.mkdtemp(prefix="grade-class-bench-")) if args.keep is None else args.keep
    try:
        class_dir = work / "class"
        if class_dir.exists():
            shutil.rmtree(class_dir)
        regular = generate_class(loaded, args.students, class_dir, args.seed)
        selected = [e for e in args.exercises.split(",") if e]
        exercises = len(selected) or len(loaded.course.exercises)
        extra = [a for a in args.extra if a != "--"] + [f"--exercise={e}" for e in selected]
        key = _cache_key(loaded, args.time_limit, selected, extra)
        entry = baseline_cache.cache_dir() / f"{key}.json" if key is not None else None
        cold_cost: float | None = None
        if entry is None:
            print("reference values: not cached for this run (GRADER_NO_CACHE or --per-student-seed); every run computes them")
        elif args.cold:
            entry.unlink(missing_ok=True)
            print(f"reference values: cache entry deleted (--cold), the timed run computes them ({entry})")
        elif key is not None and not entry.is_file():
            print("reference values: cache cold; warm-up (untimed): one student graded twice, cold then warm")
            cold_cost = cold_start_cost(class_dir, regular[0], work, args.jobs, args.time_limit, extra, key)
        before = _cache_files()
        ours = grade_class(class_dir, work / "out", args.jobs, args.time_limit, extra)
        computed = _computed(before)
        if entry is not None:
            source = "computed in the timed run (cold)" if computed else "read from the cache (warm)"
            print(f"reference values of the timed run: {source}")
        if args.cold and key is not None:
            cold_cost = cold_start_cost(class_dir, regular[0], work, args.jobs, args.time_limit, extra, key)
        if cold_cost is not None:
            print(f"cold start: a course's first run costs {cold_cost:.2f} s more (one student graded cold vs warm, untimed)")
        level = re.search(r"isolation: ([a-z]+)", ours.output)
        per = 1000 * ours.wall / args.students
        hostile = args.students - len(regular)
        print(f"class: {args.students} submissions x {exercises} exercises ({len(regular)} regular, {hostile} hostile)")
        print(f"grade run --jobs {args.jobs}: wall {ours.wall:.2f} s, {per:.1f} ms/submission, {per / exercises:.1f} ms/exercise")
        cpu_per = 1000 * ours.cpu / args.students
        print(f"CPU time of the process tree: {ours.cpu:.1f} s ({cpu_per:.1f} ms/submission); load average {os.getloadavg()[0]:.1f}")
        print(f"peak memory of the process tree: RSS {ours.peak_rss_mib:.0f} MiB (PSS {ours.peak_pss_mib:.0f} MiB)")
        print(f"isolation: {level.group(1) if level else 'unknown'}")
        print(worker_time_by_exercise(work / "out" / "submissions"))
        summary = f"grade run: {args.students} submissions in {ours.wall:.2f} s ({per:.1f} ms/submission, peak {ours.peak_rss_mib:.0f} MiB)"
        if args.vs_nbgrader:
            chosen = regular[: args.vs_nbgrader]
            theirs = nbgrader_autograde(loaded, class_dir, chosen, work)
            if isinstance(theirs, str):
                print(f"nbgrader comparison unavailable: {theirs}")
                summary += "; nbgrader autograde: unavailable; speedup n/a"
            else:
                their_per = 1000 * theirs.wall / len(chosen)
                print(f"nbgrader autograde on {len(chosen)} of them: wall {theirs.wall:.2f} s, peak RSS {theirs.peak_rss_mib:.0f} MiB")
                summary += f"; nbgrader autograde: {their_per:.0f} ms/submission; speedup {their_per / per:.0f}x"
        print(summary)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
