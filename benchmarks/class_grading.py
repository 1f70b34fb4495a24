"""Grade a synthetic class of N students with the real ``grade run``: time, memory, the in-process floor, nbgrader.

    .venv/bin/python benchmarks/class_grading.py --students 200
    .venv/bin/python benchmarks/class_grading.py --students 200 --vs-nbgrader 10

The class is generated for whatever exercises ``course.yaml`` has: for each student and
exercise, a file drawn (seeded, so two runs grade the same class) from the reference
solution, the course's catalogued mistakes (``mutants/<exercise>/*.py``), the sample class's
versions (``examples/class/*/<exercise>.py``: the tutorials' bugs and typical mistakes), the
untouched stub, or nothing (a missing file). From 10 students on, two are hostile but
bounded: one loops forever at import (hits ``--time-limit``), one crashes the interpreter (a
segfault). Every file handed in ends with a comment line naming its student, so no two
students' files are identical, as in a real class: no shortcut keyed on file contents can
profit from the pool.

The trusted reference values (every solution and mutant run in the sandbox) are cached per
course (:mod:`grader.baseline_cache`). By default the timed run is the steady state an
instructor sees from the second ``grade run`` on: if the cache is cold, one student is first
graded twice, untimed (cold, then warm), and the difference is printed as the cold-start
cost. ``--cold`` deletes this course's cache entry first, so the timed run pays it.
Either way the output says whether the timed run's reference values came from the cache.

Time: the wall time of ``grade run`` and the user + system CPU time of its whole process
tree. Memory is sampled every 20 ms over the same tree, found by parent pid from ``grade
run``: the trusted process, the fork server's dispatcher and pristine warm template, and
for each submission its job process, its confined supervisor and the fresh process of the
exercise it is running (:mod:`grader.sandbox.forkserver`, :mod:`grader.sandbox.supervisor`).
The peak of the summed proportional set size (PSS: pages shared between forks split between
their sharers) is the memory figure; the summed RSS counts every shared page once per
process and is an upper bound. The most processes seen at once, and the peak PSS in each
quarter of the run, are printed too: memory that is flat in N shows as four close numbers,
and as the same peak at every N.

The in-process floor: the same probes ``grade run`` sends, for the same submissions
(the same files, plan and filters: missing files, syntax errors and forbidden autograd run
nothing), run by the worker's own code (:func:`grader.sandbox.worker.run_module`) one
module after another in ONE plain process: no fork server, no confinement, no process per
exercise, no judging or reports. That process warms up as the template does
(:func:`grader.sandbox.template.warm_up`) and is timed around the modules only, in CPU
and wall time. The hostile files are left out (an endless loop or a segfault would end the
floor's one process), and the floor runs in a child process of its own with a deadline, so
whatever a student module does ends with it. The grader's overhead is its CPU above the
floor's, as a percentage of the floor, after taking off the endless loop's time limit,
which ``grade run`` spends and the floor does not. CPU, not wall, because ``grade run``
uses ``--jobs`` cores and the floor one. Fixed costs (starting the grader and the fork
server) weigh on it at small N: read it at N = 200 or more.

``--vs-nbgrader M`` also grades M of the same (non-hostile) submissions with the real
``nbgrader autograde``, as one notebook per student (nbgrader's fastest layout), when the
nbgrader support of this project (``grader.platforms.nbgrader_build``) and nbgrader are
installed; otherwise it says why it cannot. It prints nbgrader's wall time per submission
and its ratio to ``grade run``'s.

The last line is JSON with every number (``null`` where not measured): students, wall_s,
ms_per_submission, cpu_s, peak_pss_mib, peak_rss_mib, pss_by_quarter_mib, peak_processes,
reference_values (cached, computed or uncached), floor_cpu_s, floor_wall_s,
floor_process_cpu_s, overhead_pct, nbgrader_ms_per_submission and ratio.

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
from grader.evaluate import static_problem  # noqa: E402
from grader.plan import Plan, build_plan  # noqa: E402
from grader.seeds import student_seed  # noqa: E402
from grader.static_rules import autograd_use  # noqa: E402

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
    peak_processes: int = 0
    timeline: list[int] = field(default_factory=list)
    """The tree's PSS at every sample, in order: whether memory stays flat through a run."""
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
            self.peak_processes = max(self.peak_processes, len(pids))
            self.timeline.append(sum(p for _, p in sizes))
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
    peak_processes: int = 0
    submissions: int = 0
    """How many submissions the command graded, where it matters (nbgrader's share of the class)."""
    pss_by_quarter: list[float] = field(default_factory=list)
    """Peak PSS (MiB) in each quarter of the run: flat in N shows as four close numbers."""


def _by_quarter(timeline: list[int]) -> list[float]:
    if not timeline:
        return []
    size = max(1, len(timeline) // 4)
    quarters = [timeline[i * size : (i + 1) * size if i < 3 else len(timeline)] for i in range(4)]
    return [max(q) / 2**20 for q in quarters if q]


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
    peaks = sampler.peak_rss / 2**20, sampler.peak_pss / 2**20
    return Measured(wall, *peaks, output, cpu, peak_processes=sampler.peak_processes, pss_by_quarter=_by_quarter(sampler.timeline))


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


def _computed(before: dict[str, int], key: str | None) -> bool:
    """Whether a run between ``before`` and now stored this course's baseline (so it computed one instead of reading it).

    Only this key's entry counts: another course graded meanwhile on the machine writes its own.
    """
    name = f"{key}.json"
    return before.get(name) != _cache_files().get(name)


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


@dataclass
class Floor:
    """The in-process floor: the same probes, one plain process, no fork and no confinement."""

    cpu: float
    wall: float
    modules: int
    by_exercise: dict[str, float]
    """Exercise id -> CPU seconds of its modules, summed over the class."""
    process_cpu: float
    """CPU seconds of the floor's whole process: ``cpu`` plus starting Python and the template's warm-up imports."""


FLOOR_EXCLUDED = "the hostile files (the endless loop and the segfault) are left out of the floor"


def floor_modules(loaded: LoadedCourse, class_dir: Path, selected: list[str], time_limit: float, extra: list[str]) -> list[dict[str, Any]]:
    """Every module ``grade run`` would send to a worker, with the probes it would send: the floor's work list.

    The same filters as :func:`grader.evaluate.evaluate_submissions` (missing files, syntax
    errors, forbidden autograd run nothing) and the same plan (course seed, or one per
    student with ``--per-student-seed``). The hostile files are left out: the floor runs
    every module in one process, which an endless loop or a segfault would end.
    """
    plans: dict[int | None, Plan] = {}
    modules = []
    for folder in sorted(p for p in class_dir.iterdir() if p.is_dir()):
        seed = (
            student_seed(loaded.course.seed, folder.name)
            if "--per-student-seed" in extra and loaded.course.seed is not None
            else loaded.course.seed
        )
        if seed not in plans:
            plans[seed] = build_plan(loaded.course, seed, False, time_limit)
        for exercise_plan in plans[seed].exercises:
            path = folder / f"{exercise_plan.id}.py"
            if (selected and exercise_plan.id not in selected) or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
            if any(text.startswith(hostile.rstrip()) for hostile in HOSTILE.values()) or static_problem(path.name, text) is not None:
                continue
            if exercise_plan.exercise.forbid_autograd and autograd_use(path.name, text) is not None:
                continue
            modules.append({"name": exercise_plan.id, "file": str(path), "probes": exercise_plan.probes()})
    return modules


def run_floor(modules: list[dict[str, Any]], work: Path, time_limit: float) -> Floor | str:
    """Run the floor in a child process (so a module's damage ends with it), bounded in time; the numbers or why not."""
    jobs, result = work / "floor-modules.json", work / "floor-result.json"
    jobs.write_text(json.dumps(modules), encoding="utf-8")
    deadline = 120 + len(modules) * time_limit
    command = [sys.executable, str(Path(__file__).resolve()), "--floor-child", str(jobs), str(result)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, errors = child.communicate(timeout=deadline)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, 9)
        child.wait()
        return f"the in-process floor did not finish within {deadline:.0f} s"
    if child.returncode != 0 or not result.is_file():
        return f"the in-process floor failed ({child.returncode}): {errors[-1500:]}"
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    process_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    numbers = json.loads(result.read_text(encoding="utf-8"))
    return Floor(numbers["cpu"], numbers["wall"], numbers["modules"], numbers["by_exercise"], process_cpu)


def floor_child(jobs: Path, result: Path) -> None:
    """The floor's process: warm up as the fork server's template does, then the worker's own code on every module.

    :func:`grader.sandbox.worker.run_module` imports the student file and answers its probes,
    encoding every observation as it would for the supervisor; its result lines go to
    ``/dev/null`` on the worker's result descriptor. Timed with the process's CPU clock and the wall clock.
    """
    from grader.sandbox import protocol, template, worker

    sink = os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink, protocol.RESULT_FD)  # first, while the descriptor is free (Popen closed every inherited one)
    template.warm_up()
    modules = json.loads(jobs.read_text(encoding="utf-8"))
    by_exercise: dict[str, float] = {}
    cwd, path = os.getcwd(), list(sys.path)
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for module in modules:
        started = time.process_time()
        worker.run_module(module["name"], module["file"], module["probes"])
        by_exercise[module["name"]] = by_exercise.get(module["name"], 0.0) + time.process_time() - started
        sys.path[:] = path  # each module is imported as the worker would, then forgotten as its process would be
        sys.modules.pop(module["name"], None)
    cpu, wall = time.process_time() - cpu_start, time.perf_counter() - wall_start
    os.chdir(cwd)
    result.write_text(json.dumps({"cpu": cpu, "wall": wall, "modules": len(modules), "by_exercise": by_exercise}), encoding="utf-8")


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
    measured = measure([executable, "autograde", assignment, "--create", "--force"], cwd=course_dir)
    measured.submissions = len(students)
    return measured


def report_run(args: argparse.Namespace, ours: Measured, regular: int, exercises: int, work: Path) -> dict[str, Any]:
    """Print the real run's numbers; returns them for the last line."""
    level = re.search(r"isolation: ([a-z]+)", ours.output)
    per = 1000 * ours.wall / args.students
    print(f"class: {args.students} submissions x {exercises} exercises ({regular} regular, {args.students - regular} hostile)")
    print(f"grade run --jobs {args.jobs}: wall {ours.wall:.2f} s, {per:.1f} ms/submission, {per / exercises:.1f} ms/exercise")
    cpu_per = 1000 * ours.cpu / args.students
    print(f"CPU time of the process tree: {ours.cpu:.1f} s ({cpu_per:.1f} ms/submission); load average {os.getloadavg()[0]:.1f}")
    quarters = " / ".join(f"{q:.0f}" for q in ours.pss_by_quarter)
    memory = f"PSS {ours.peak_pss_mib:.0f} MiB (RSS {ours.peak_rss_mib:.0f} MiB)"
    print(f"peak memory of the process tree: {memory}, up to {ours.peak_processes} processes at once")
    print(f"peak PSS by quarter of the run (flat in N: four close numbers, and the same peak at every N): {quarters} MiB")
    print(f"isolation: {level.group(1) if level else 'unknown'}")
    print(worker_time_by_exercise(work / "out" / "submissions"))
    return {
        "students": args.students,
        "exercises": exercises,
        "jobs": args.jobs,
        "isolation": level.group(1) if level else "unknown",
        "wall_s": round(ours.wall, 3),
        "ms_per_submission": round(per, 1),
        "cpu_s": round(ours.cpu, 2),
        "peak_pss_mib": round(ours.peak_pss_mib, 1),
        "peak_rss_mib": round(ours.peak_rss_mib, 1),
        "pss_by_quarter_mib": [round(q, 1) for q in ours.pss_by_quarter],
        "peak_processes": ours.peak_processes,
    }


def report_floor(floor: Floor | str, ours: Measured, hostile: int, time_limit: float) -> dict[str, Any]:
    """Print the floor beside the real run and the grader's overhead above it (CPU, the fair comparison across --jobs)."""
    if isinstance(floor, str):
        print(f"in-process floor unavailable: {floor}")
        return {"floor_cpu_s": None, "floor_wall_s": None, "overhead_pct": None, "floor_process_cpu_s": None}
    # The endless loop spends its whole time limit in grade run and is not in the floor; the segfault costs ~nothing.
    hostile_cpu = time_limit if hostile else 0.0
    overhead = 100 * (ours.cpu - hostile_cpu - floor.cpu) / floor.cpu if floor.cpu > 0 else float("nan")
    dearest = sorted(floor.by_exercise.items(), key=lambda item: -item[1])[:6]
    shares = ", ".join(f"{name} {seconds:.1f} s ({100 * seconds / (floor.cpu or 1):.0f}%)" for name, seconds in dearest)
    print(f"in-process floor ({floor.modules} modules in one process, no sandbox; {FLOOR_EXCLUDED}):")
    print(f"  CPU {floor.cpu:.1f} s, wall {floor.wall:.1f} s (grade run: CPU {ours.cpu:.1f} s, wall {ours.wall:.1f} s)")
    print(f"floor CPU by exercise: {shares}")
    allowance = f", less the hostile loop's {hostile_cpu:g} s time limit" if hostile_cpu else ""
    print(f"  the floor's process, with starting Python and the template's warm-up imports: CPU {floor.process_cpu:.1f} s")
    print(f"grader overhead above the floor: {overhead:.0f}% of CPU (grade run{allowance}, vs the floor; goal < 15%)")
    return {
        "floor_cpu_s": round(floor.cpu, 2),
        "floor_wall_s": round(floor.wall, 2),
        "floor_modules": floor.modules,
        "overhead_pct": round(overhead, 1),
        "floor_process_cpu_s": round(floor.process_cpu, 2),
    }


def report_nbgrader(theirs: Measured | str, ours_per: float) -> dict[str, Any]:
    """Print nbgrader autograde's time per submission and how many times slower than grade run it is."""
    if isinstance(theirs, str):
        print(f"nbgrader comparison unavailable: {theirs}")
        return {"nbgrader_ms_per_submission": None, "ratio": None}
    their_per = 1000 * theirs.wall / theirs.submissions
    ratio = their_per / ours_per
    print(f"nbgrader autograde on {theirs.submissions} of them: wall {theirs.wall:.2f} s, {their_per:.0f} ms/submission")
    print(f"per submission, nbgrader autograde takes {ratio:.1f}x as long as grade run (goal: at least 25x)")
    return {"nbgrader_submissions": theirs.submissions, "nbgrader_ms_per_submission": round(their_per, 1), "ratio": round(ratio, 2)}


def main() -> None:
    if sys.argv[1:2] == ["--floor-child"]:
        floor_child(Path(sys.argv[2]), Path(sys.argv[3]))
        return
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
        computed = _computed(before, key)
        if entry is not None:
            source = "computed in the timed run (cold)" if computed else "read from the cache (warm)"
            print(f"reference values of the timed run: {source}")
        if args.cold and key is not None:
            cold_cost = cold_start_cost(class_dir, regular[0], work, args.jobs, args.time_limit, extra, key)
        if cold_cost is not None:
            print(f"cold start: a course's first run costs {cold_cost:.2f} s more (one student graded cold vs warm, untimed)")
        report = report_run(args, ours, len(regular), exercises, work)
        report["reference_values"] = "uncached" if entry is None else "computed" if computed else "cached"
        modules = floor_modules(loaded, class_dir, selected, args.time_limit, extra)
        floor = run_floor(modules, work, args.time_limit)
        report.update(report_floor(floor, ours, hostile=args.students - len(regular), time_limit=args.time_limit))
        if args.vs_nbgrader:
            theirs = nbgrader_autograde(loaded, class_dir, regular[: args.vs_nbgrader], work)
            report.update(report_nbgrader(theirs, report["ms_per_submission"]))
        else:
            report.update({"nbgrader_ms_per_submission": None, "ratio": None})
        print(json.dumps(report))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
